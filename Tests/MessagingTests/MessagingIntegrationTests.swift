import SampleService
import AMQP
import Contracts
import Foundation
import Messaging
import Postgres
import TestSupport
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(6))) struct MessagingIntegrationTests {
    @Test func theTopologyIsDeclaredIdempotentlyWithParkingAndDelayQueues() async throws {
        let service = TallyService()
        try await service.setUp()
        try await service.setUp()
        let connection = try await AMQPConnection.connect(TestServers.broker)
        for name in [service.queue.name, service.queue.parkingQueue, service.queue.retryQueue(level: 1), service.queue.retryQueue(level: 2)] {
            let info = try await connection.declareQueue(name, passive: true)
            #expect(info.name == name)
        }
        for exchange in [Exchanges.ingest, Exchanges.events, Exchanges.commands, Exchanges.retry, Exchanges.dead, Exchanges.replies] {
            try await connection.declareExchange(exchange, passive: true)
        }
        await connection.close()
        await service.tearDown()
    }

    @Test func aCommandTakesEffectOnceAndItsEventGoesOutThroughTheOutboxRelay() async throws {
        let service = TallyService()
        try await service.setUp()
        let probe = try await AMQPConnection.connect(TestServers.broker)
        let probeQueue = TestServers.unique("probe")
        try await probe.declareQueue(probeQueue, durable: false, autoDelete: false)
        try await probe.bindQueue(probeQueue, to: service.eventsExchange, routingKey: "#")
        let events = try await AMQPConsumer.start(TestServers.broker, queue: probeQueue)
        let publisher = try await AMQPPublisher.connect(TestServers.broker)

        try await running([service.consumer(), service.relay()]) { () async throws in
            for amount in [1, 2, 3] {
                #expect(try await publisher.publish(try service.command(Tally.Add(key: "a", amount: amount))) == .confirmed)
            }
            debugTrace("published 3 commands")
            var received: [Tally.Added] = []
            while received.count < 3 {
                for delivery in try await events.nextBatch(max: 10) {
                    let envelope = try Envelope(delivery: delivery)
                    #expect(envelope.correlationID == "c-a")
                    #expect(envelope.causationID != nil)
                    received.append(try envelope.decode(Tally.Added.self))
                    events.ack(delivery)
                }
            }
            #expect(received.map(\.total) == [1, 3, 6])
        }
        #expect(try await service.totals() == ["a": 6])
        #expect(try await service.count("inbox") == 3)
        #expect(try await service.count("outbox") == 0)
        await events.close()
        await publisher.close()
        try await probe.deleteQueue(probeQueue)
        await probe.close()
        await service.tearDown()
    }

    @Test func everyMessagePublishedTwoOrThreeTimesInShuffledOrderTakesEffectOnce() async throws {
        let service = TallyService()
        try await service.setUp()
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        var messages: [AMQPMessage] = []
        var expected: [String: Int] = [:]
        for index in 0..<200 {
            let add = Tally.Add(key: "k\(index % 7)", amount: index)
            expected[add.key, default: 0] += index
            let message = try service.command(add)
            messages += Array(repeating: message, count: 2 + index % 2)
        }
        messages.shuffle()
        let results = await publisher.publish(batch: messages)
        let allConfirmed = results.allSatisfy { (try? $0.get()) == .confirmed }
        #expect(allConfirmed)

        try await running([service.consumer()]) { () async throws in
            // Generous: under the whole suite in parallel on two cores the 500 deliveries can take a while.
            let settled = try await eventually(within: 60) {
                let handled = try await service.count("inbox")
                let totals = try await service.totals()
                return handled == 200 && totals == expected
            }
            #expect(settled)
            // Give the duplicates time to arrive too; nothing may change.
            let duplicatesDrained = try await eventually { try await service.queueIsDrained() }
            #expect(duplicatesDrained)
        }
        #expect(try await service.totals() == expected)
        #expect(try await service.count("tallies", where: "true") == 7)
        let updates = try await service.pool.query(PostgresQuery(unsafeSQL: "SELECT sum(updates)::int FROM \(service.schema).tallies"))[0]
        #expect(try updates.decode(Int.self, at: 0) == 200)
        await publisher.close()
        await service.tearDown()
    }

    @Test func badMessagesAreParkedWithTheirReasonWhileGoodOnesKeepFlowing() async throws {
        let service = TallyService()
        try await service.setUp()
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        var notJSON = try service.command(Tally.Add(key: "x", amount: 1))
        notJSON.body = Data("this is not json".utf8)
        var unknownType = try service.command(Tally.Add(key: "x", amount: 1))
        unknownType.properties.type = "tally.subtract.v1"
        var noMessageID = try service.command(Tally.Add(key: "x", amount: 1))
        noMessageID.properties.messageID = nil
        let negative = try service.command(Tally.Add(key: "x", amount: -5))
        let alwaysFails = try service.command(Tally.Add(key: "fail-always", amount: 1))
        var sequence: [AMQPMessage] = []
        for bad in [notJSON, unknownType, noMessageID, negative, alwaysFails] {
            sequence.append(bad)
            sequence.append(try service.command(Tally.Add(key: "good", amount: 1)))
        }
        let allConfirmed = await publisher.publish(batch: sequence).allSatisfy { (try? $0.get()) == .confirmed }
        #expect(allConfirmed)
        // Each parking is announced on the events exchange (ops.message.parked.v1).
        let spy = try await AMQPConnection.connect(TestServers.broker)
        let spyQueue = TestServers.unique("t.parked")
        try await spy.declareQueue(spyQueue, durable: false, autoDelete: false)
        try await spy.bindQueue(spyQueue, to: service.eventsExchange, routingKey: OperationsEvent.MessageParked.type.rawValue)

        var parked: [String: AMQPDelivery] = [:]
        try await running([service.consumer()]) { () async throws in
            let allGoodOnesCounted = try await eventually { try await service.totals()["good"] == 5 }
            #expect(allGoodOnesCounted)
            let parking = try await AMQPConsumer.start(TestServers.broker, queue: service.queue.parkingQueue)
            while parked.count < 5 {
                for delivery in try await parking.nextBatch(max: 10) {
                    parked[delivery.properties.headers[MessageHeaders.error]?.stringValue ?? "?"] = delivery
                    parking.ack(delivery)
                }
            }
            await parking.close()
        }
        #expect(Set(parked.keys) == ["undecodable", "unknown-type", "missing-property", "validation", "retries-exhausted"])
        for delivery in parked.values {
            #expect(delivery.properties.headers[MessageHeaders.service]?.stringValue == "tally")
            #expect(delivery.properties.headers[MessageHeaders.queue]?.stringValue == service.queue.name)
            #expect(delivery.properties.headers[MessageHeaders.failedAt]?.stringValue?.isEmpty == false)
            #expect(delivery.properties.headers[MessageHeaders.errorDetail]?.stringValue?.isEmpty == false)
            #expect(delivery.properties.headers[MessageHeaders.originalRoutingKey]?.stringValue == service.queue.name)
        }
        #expect(parked["undecodable"]?.body == Data("this is not json".utf8), "the body is kept as it came")
        #expect(parked["retries-exhausted"]?.properties.headers[MessageHeaders.attempt]?.intValue == 3)
        #expect(parked["validation"]?.properties.headers[MessageHeaders.errorDetail]?.stringValue?.contains("negative") == true)
        #expect(try await service.totals() == ["good": 5])
        var announced: [OperationsEvent.MessageParked] = []
        let allAnnounced = try await eventually {
            announced = try await QueuePeek.messages(spyQueue, broker: TestServers.broker).map {
                try MessageCoding.decoder().decode(OperationsEvent.MessageParked.self, from: $0.body)
            }
            return announced.count == 5
        }
        #expect(allAnnounced, "\(announced)")
        #expect(Set(announced.map(\.code)) == Set(parked.keys))
        let fromTally = announced.allSatisfy { $0.service == "tally" && $0.queue == service.queue.name }
        #expect(fromTally)
        _ = try await spy.deleteQueue(spyQueue)
        await spy.close()
        await publisher.close()
        await service.tearDown()
    }

    @Test func batchesAreHandledInOneTransactionAndABadMessageDoesNotSpoilItsBatch() async throws {
        let service = TallyService()
        try await service.setUp()
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        var messages = try (0..<1_000).map { try service.command(Tally.Add(key: "b\($0 % 10)", amount: 1)) }
        messages.insert(try service.command(Tally.Add(key: "b0", amount: -1)), at: 500)
        let allConfirmed = await publisher.publish(batch: messages).allSatisfy { (try? $0.get()) == .confirmed }
        #expect(allConfirmed)
        try await running([service.consumer(batchSize: 50)]) { () async throws in
            let thousandHandled = try await eventually(within: 60) { try await service.count("inbox") == 1_000 }
            #expect(thousandHandled)
            let queueDrained = try await eventually { try await service.queueIsDrained() }
            #expect(queueDrained)
        }
        let totals = try await service.totals()
        let tenKeysOfOneHundredEach = totals.count == 10 && totals.values.allSatisfy { $0 == 100 }
        #expect(tenKeysOfOneHundredEach)
        let parked = try await AMQPConnection.connect(TestServers.broker)
        #expect(try await parked.declareQueue(service.queue.parkingQueue, passive: true).messageCount == 1)
        await parked.close()
        await publisher.close()
        await service.tearDown()
    }

    @Test func theRelayWakesOnNotifyAndFlushesTheOutboxOnShutdown() async throws {
        let service = TallyService()
        try await service.setUp()
        let probe = try await AMQPConnection.connect(TestServers.broker)
        let probeQueue = TestServers.unique("probe")
        try await probe.declareQueue(probeQueue, durable: false, autoDelete: false)
        let outbox = Outbox(schema: service.schema, source: "tests")
        var configuration = OutboxRelay.Configuration()
        configuration.pollInterval = .seconds(3_600)  // only a NOTIFY can wake it in time
        let listening = Mutex(false)
        configuration.onListening = { listening.withLock { $0 = true } }
        let relay = OutboxRelay(schema: service.schema, pool: service.pool, brokerConfiguration: TestServers.broker, configuration: configuration)
        try await running([relay]) { () async throws in
            let relayListens = try await eventually { listening.withLock { $0 } }
            #expect(relayListens)
            try await service.pool.withTransaction { tx in
                try await outbox.enqueue(
                    try Envelope(Tally.Added(key: "n", amount: 1, total: 1), source: "tests"),
                    exchange: "", routingKey: probeQueue, in: tx)
            }
            let firstEventRelayedOnNotify = try await eventually(within: 10) {
                try await probe.declareQueue(probeQueue, passive: true).messageCount == 1
            }
            #expect(firstEventRelayedOnNotify)
            // Rows written just before shutdown still go out.
            try await service.pool.withTransaction { tx in
                for total in 2...101 {
                    try await outbox.enqueue(
                        try Envelope(Tally.Added(key: "n", amount: 1, total: total), source: "tests"),
                        exchange: "", routingKey: probeQueue, in: tx)
                }
            }
        }
        #expect(try await service.count("outbox") == 0)
        let allFlushedOnShutdown = try await eventually(within: 5) { try await probe.declareQueue(probeQueue, passive: true).messageCount == 101 }
        #expect(allFlushedOnShutdown)
        try await probe.deleteQueue(probeQueue)
        await probe.close()
        await service.tearDown()
    }
}

extension MessagingIntegrationTests {
    @Test func publishedOutboxRowsAreDeletedAndOldInboxRowsArePrunedAfterTheirRetention() async throws {
        let service = TallyService()
        try await service.setUp()
        let probe = try await AMQPConnection.connect(TestServers.broker)
        let probeQueue = TestServers.unique("prune")
        try await probe.declareQueue(probeQueue, durable: false, autoDelete: false)
        let outbox = Outbox(schema: service.schema, source: "tests")
        try await service.pool.withTransaction { tx in
            for total in 1...20 {
                try await outbox.enqueue(
                    try Envelope(Tally.Added(key: "p", amount: 1, total: total), source: "tests"),
                    exchange: "", routingKey: probeQueue, in: tx)
            }
            try await tx.query(
                "INSERT INTO \(unescaped: service.schema).inbox (message_id, message_type, received_at) VALUES (\(UUID()), 'old', now() - interval '2 days')"
            )
            try await tx.query("INSERT INTO \(unescaped: service.schema).inbox (message_id, message_type) VALUES (\(UUID()), 'recent')")
        }
        var configuration = OutboxRelay.Configuration()
        configuration.pollInterval = .milliseconds(100)
        configuration.inboxRetention = .seconds(86_400)
        configuration.pruneInterval = .zero
        let relay = OutboxRelay(schema: service.schema, pool: service.pool, brokerConfiguration: TestServers.broker, configuration: configuration)
        try await running([relay]) { () async throws in
            let publishedRowsDeleted = try await eventually(within: 10) { try await service.count("outbox") == 0 }
            #expect(publishedRowsDeleted, "published rows are gone")
        }
        #expect(try await probe.declareQueue(probeQueue, passive: true).messageCount == 20, "but were published first")
        #expect(try await service.count("inbox", where: "message_type = 'old'") == 0)
        #expect(try await service.count("inbox", where: "message_type = 'recent'") == 1)
        try await probe.deleteQueue(probeQueue)
        await probe.close()
        await service.tearDown()
    }
}

extension TallyService {
    /// True when the service queue has no ready and no unacknowledged messages.
    func queueIsDrained() async throws -> Bool {
        try await TestEnvironment.brokerQueueCount(queue.name) == 0
    }

    /// The relay publishes `mandatory`: a row no queue takes comes back and stays in the
    /// outbox (held back while the rows after it go out) until a queue is there for it.
    @Test func aRowNoQueueTakesStaysInTheOutboxAndGoesOutOnceAQueueIsBound() async throws {
        let service = TallyService()
        try await service.setUp()
        let probe = try await AMQPConnection.connect(TestServers.broker)
        let exchange = TestServers.unique("noroute")
        try await probe.declareExchange(exchange, type: .topic, durable: false)
        let bound = TestServers.unique("bound")
        try await probe.declareQueue(bound, durable: false)
        try await probe.bindQueue(bound, to: exchange, routingKey: "tally.bound")
        let outbox = Outbox(schema: service.schema, source: "tests")
        try await service.pool.withTransaction { tx in
            try await outbox.enqueue(
                try Envelope(Tally.Added(key: "r", amount: 1, total: 1), source: "tests"), exchange: exchange, routingKey: "tally.nobody", in: tx)
            try await outbox.enqueue(
                try Envelope(Tally.Added(key: "r", amount: 1, total: 2), source: "tests"), exchange: exchange, routingKey: "tally.bound", in: tx)
        }
        var configuration = OutboxRelay.Configuration()
        configuration.pollInterval = .milliseconds(100)
        configuration.returnedRetry = .milliseconds(500)
        let relay = OutboxRelay(schema: service.schema, pool: service.pool, brokerConfiguration: TestServers.broker, configuration: configuration)
        let late = TestServers.unique("late")
        try await running([relay]) { () async throws in
            let boundRowWentOut = try await eventually(within: 10) { try await probe.declareQueue(bound, passive: true).messageCount == 1 }
            #expect(boundRowWentOut, "the row after the returned one was not held up")
            try await Task.sleep(for: .seconds(1.5))
            #expect(try await service.count("outbox") == 1, "the returned row stays in the outbox")
            try await probe.declareQueue(late, durable: false)
            try await probe.bindQueue(late, to: exchange, routingKey: "tally.nobody")
            let returnedRowWentOut = try await eventually(within: 10) { try await service.count("outbox") == 0 }
            #expect(returnedRowWentOut, "published again once a queue was bound")
        }
        #expect(try await probe.declareQueue(late, passive: true).messageCount == 1)
        for queue in [bound, late] { try await probe.deleteQueue(queue) }
        try await probe.deleteExchange(exchange)
        await probe.close()
        await service.tearDown()
    }
}
