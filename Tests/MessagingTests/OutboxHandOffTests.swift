import AMQP
import Contracts
import Foundation
import Postgres
import SampleService
import Synchronization
import TestSupport
import Testing

@testable import Messaging

/// A consumer hands what it committed to its process's relay, which publishes it from
/// memory; the rows stay the record, so nothing depends on the hand-off arriving.
@Suite(.timeLimit(.minutes(6))) struct OutboxHandOffTests {
    /// Counts the notifications on a schema's outbox channel.
    final class NotificationCounter: Sendable {
        final class Count: Sendable { let value = Mutex(0) }
        let count = Count()
        let notifications: PostgresNotifications
        let task: Task<Void, Never>

        init(schema: String) async throws {
            let notifications = try await PostgresNotifications(
                configuration: TestServers.database, channels: [MessagingSchema.notifyChannel(schema: schema)])
            let count = count
            task = Task {
                do { for try await _ in notifications { count.value.withLock { $0 += 1 } } } catch {}
            }
            self.notifications = notifications
        }

        var value: Int { count.value.withLock { $0 } }

        func close() async {
            await notifications.close()
            task.cancel()
        }
    }

    static func relay(_ service: TallyService, handOff: OutboxHandOff?, pollInterval: Duration) -> OutboxRelay {
        var configuration = OutboxRelay.Configuration()
        configuration.pollInterval = pollInterval
        return OutboxRelay(
            schema: service.schema, pool: service.pool, brokerConfiguration: TestServers.broker, configuration: configuration, handOff: handOff)
    }

    /// Runs `body` on a tally service of its own, with a queue bound to everything published on
    /// its events exchange (`published()`: how many messages it holds); removes both after, also
    /// when `body` throws.
    static func withService(_ body: (TallyService, _ published: () async throws -> Int) async throws -> Void) async throws {
        let service = TallyService()
        try await service.setUp()
        let probe = try await AMQPConnection.connect(TestServers.broker)
        let queue = TestServers.unique("handoff")
        try await probe.declareQueue(queue, durable: false, autoDelete: false)
        try await probe.bindQueue(queue, to: service.eventsExchange, routingKey: "#")
        var failure: (any Error)?
        do { try await body(service) { Int(try await probe.declareQueue(queue, passive: true).messageCount) } } catch { failure = error }
        _ = try? await probe.deleteQueue(queue)
        await probe.close()
        await service.tearDown()
        if let failure { throw failure }
    }

    @Test func aConsumersEventsGoOutFromTheHandOffAndWakeNoListener() async throws {
        try await Self.withService { service, published in
            let notified = try await NotificationCounter(schema: service.schema)
            let handOff = OutboxHandOff()
            let consumer = MessageConsumer(
                service: "tally", queue: service.queue, schema: service.schema, pool: service.pool, brokerConfiguration: TestServers.broker,
                handlers: service.handlers(), configuration: .init(eventsExchange: service.eventsExchange), handOff: handOff)
            // An hour between polls: only the hand-off can bring the events out in time.
            let relay = Self.relay(service, handOff: handOff, pollInterval: .seconds(3_600))
            let publisher = try await AMQPPublisher.connect(TestServers.broker)
            try await running([consumer, relay]) { () async throws in
                for amount in [1, 2, 3] {
                    #expect(try await publisher.publish(try service.command(Tally.Add(key: "h", amount: amount))) == .confirmed)
                }
                let eventsOut = try await eventually(within: 10) { try await published() == 3 }
                #expect(eventsOut, "the three events were published without a poll")
                let rowsGone = try await eventually(within: 5) { try await service.count("outbox") == 0 }
                #expect(rowsGone)
            }
            #expect(notified.value == 0, "the consumer's transactions woke no listener")
            await notified.close()
            await publisher.close()
        }
    }

    @Test func rowsWhoseHandOffWasLostGoOutAtTheNextPoll() async throws {
        try await Self.withService { service, published in
            let notified = try await NotificationCounter(schema: service.schema)
            let outbox = Outbox(schema: service.schema, source: "tests")
            // As a consumer commits before its process dies: the rows are marked handed off, and
            // no relay hears of them.
            try await service.pool.withTransaction { tx in
                try await tx.query("SET LOCAL erp.outbox_handed_off = on")
                for total in 1...3 {
                    try await outbox.enqueue(
                        try Envelope(Tally.Added(key: "l", amount: 1, total: total), source: "tests"), exchange: service.eventsExchange,
                        routingKey: "tally.added", in: tx)
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(notified.value == 0, "the trigger did not notify for rows handed off")
            let relay = Self.relay(service, handOff: OutboxHandOff(), pollInterval: .milliseconds(300))
            try await running([relay]) { () async throws in
                let polled = try await eventually(within: 10) { try await published() == 3 }
                #expect(polled, "the poll found them")
            }
            #expect(try await service.count("outbox") == 0)
            // Rows written without the mark still wake the relays, as before.
            try await service.pool.withTransaction { tx in
                try await outbox.enqueue(
                    try Envelope(Tally.Added(key: "l", amount: 1, total: 4), source: "tests"), exchange: service.eventsExchange,
                    routingKey: "tally.added", in: tx)
            }
            let notifiedForUnmarked = try await eventually(within: 5) { notified.value == 1 }
            #expect(notifiedForUnmarked)
            await notified.close()
        }
    }

    @Test func aHandedOffRowThatAnotherRelayHoldsOrPublishedIsNotPublishedAgain() async throws {
        try await Self.withService { service, published in
            let outbox = Outbox(schema: service.schema, source: "tests")
            func write(total: Int) async throws -> Outbox.Entry {
                let entry = Outbox.Entry(
                    try Envelope(Tally.Added(key: "o", amount: 1, total: total), source: "tests"), exchange: service.eventsExchange,
                    routingKey: "tally.added")
                try await service.pool.withTransaction { tx in try await outbox.enqueue([entry], in: tx) }
                return entry
            }
            let first = try await write(total: 1)
            // Another relay took the first row and published it...
            try await running([Self.relay(service, handOff: nil, pollInterval: .milliseconds(100))]) { () async throws in
                let out = try await eventually(within: 10) { try await service.count("outbox") == 0 }
                #expect(out)
            }
            #expect(try await published() == 1)
            let second = try await write(total: 2)
            // ...and holds the next one (it is publishing it) while this relay is handed both.
            let otherRelay = PostgresPool(configuration: TestServers.database, size: 1)
            let handOff = OutboxHandOff()
            try await otherRelay.withTransaction { tx in
                try await tx.query(
                    "SELECT seq FROM \(identifier: service.schema).outbox WHERE message_id = \(second.envelope.id) FOR UPDATE")
                try await running([Self.relay(service, handOff: handOff, pollInterval: .seconds(3_600))]) { () async throws in
                    handOff.offer([first, second])
                    let taken = try await eventually(within: 5) { handOff.isEmpty }
                    #expect(taken)
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(try await published() == 1, "neither was published again")
                }
            }
            #expect(try await service.count("outbox") == 1, "the held row is left to the relay holding it")
            await otherRelay.close()
        }
    }
}
