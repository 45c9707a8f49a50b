import AMQP
import Foundation
import Messaging
import ServiceTestSupport
import TestSupport
import Testing

/// A queue's limits, dead-lettering and delays are the broker's policies, so that they can
/// change without the queue being deleted; a queue an earlier version declared with them
/// as arguments is moved to the new declaration with its messages.
/// Five minutes: the management API answers slowly while every other suite loads the broker.
@Suite(.timeLimit(.minutes(5))) struct QueuePolicyTests {
    /// The policy in force on `queue`, once the management API shows it (its figures lag the
    /// broker by up to its statistics interval, 5 s).
    static func effective(_ queue: String, where settled: ([String: Any]) -> Bool = { !$0.isEmpty }) async throws -> [String: Any] {
        var definition: [String: Any] = [:]
        _ = try await eventually(within: 20) {
            definition = try await TestBrokerPolicies.queueDetails(queue)["effective_policy_definition"] as? [String: Any] ?? [:]
            return settled(definition)
        }
        return definition
    }

    /// The queue's arguments, once the management API shows ones `settled` accepts (a queue
    /// declared again may show its predecessor's for a moment).
    static func arguments(_ queue: String, where settled: ([String: Any]) -> Bool = { _ in true }) async throws -> [String: Any] {
        var arguments: [String: Any] = [:]
        _ = try await eventually(within: 20) {
            arguments = try await TestBrokerPolicies.queueDetails(queue)["arguments"] as? [String: Any] ?? [:]
            return settled(arguments)
        }
        return arguments
    }

    @Test func aQueueCarriesOnlyItsTypeAndItsLimitChangesByPolicyWithoutA406() async throws {
        let service = TallyService(policies: true)
        try await service.setUp()
        let arguments = try await Self.arguments(service.queue.name)
        #expect(Set(arguments.keys) == ["x-queue-type"])
        let policy = try await Self.effective(service.queue.name)
        #expect(policy["delivery-limit"] as? Int == 5)
        #expect(policy["dead-letter-exchange"] as? String == Exchanges.dead)
        #expect(policy["dead-letter-routing-key"] as? String == service.queue.name)
        let delay = try await Self.effective(service.queue.retryQueue(level: 1))
        #expect(delay["message-ttl"] as? Int == 50)
        #expect(delay["dead-letter-routing-key"] as? String == service.queue.name)

        var changed = service.queue
        changed.deliveryLimit = 7
        try await TestBrokerPolicies.apply(for: [changed])
        let connection = try await AMQPConnection.connect(TestServers.broker)
        let outdated = try await Topology.declare(changed, on: connection)
        await connection.close()
        #expect(outdated.isEmpty, "the queue is declared again as it is")
        let applied = try await Self.effective(changed.name) { $0["delivery-limit"] as? Int == 7 }
        #expect(applied["delivery-limit"] as? Int == 7)
        await service.tearDown()
    }

    @Test func aMessageRedeliveredPastItsLimitIsParkedByThePolicy() async throws {
        let service = TallyService(policies: true)
        try await service.setUp()
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        let id = UUID().uuidString
        let outcome = try await publisher.publish(
            AMQPMessage(
                exchange: "", routingKey: service.queue.name, body: Data("{}".utf8), properties: AMQPProperties(messageID: id),
                mandatory: true))
        #expect(outcome == .confirmed)
        await publisher.close()
        // A consumer that gives it back each time, as one that crashes mid-handling would.
        let consumer = try await AMQPConsumer.start(TestServers.broker, queue: service.queue.name, prefetch: 1, reconnect: false)
        let giveBack = Task {
            while !Task.isCancelled {
                for delivery in try await consumer.nextBatch(max: 1) { _ = consumer.reject(delivery, requeue: true) }
            }
        }
        let parked = try await eventually(within: 30) {
            try await ParkedMessages.list(parkingQueue: service.queue.parkingQueue, broker: TestServers.broker).map(\.id) == [id]
        }
        giveBack.cancel()
        await consumer.close()
        #expect(parked, "after 5 deliveries the policy's dead-letter exchange parks it")
        let reason = try await ParkedMessages.list(parkingQueue: service.queue.parkingQueue, broker: TestServers.broker).first?.error
        #expect(reason == "delivery-limit")
        await service.tearDown()
    }

    @Test func aRetryWaitsTheDelayOfItsLevelsPolicyAndGoesBackToTheQueue() async throws {
        let service = TallyService(policies: true)
        try await service.setUp()
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        let retry = AMQPMessage(
            exchange: Exchanges.retry, routingKey: service.queue.retryQueue(level: 1), body: Data("again".utf8), mandatory: true)
        #expect(try await publisher.publish(retry) == .confirmed)
        await publisher.close()
        let connection = try await AMQPConnection.connect(TestServers.broker)
        let back = try await eventually(within: 10) { try await connection.declareQueue(service.queue.name, passive: true).messageCount == 1 }
        #expect(back, "after the policy's 50 ms the delay queue dead-letters it to the queue")
        #expect(try await connection.declareQueue(service.queue.retryQueue(level: 1), passive: true).messageCount == 0)
        await connection.close()
        await service.tearDown()
    }

    @Test func aMoveCutShortIsFinishedByTheNextDeclare() async throws {
        let name = TestServers.unique("cut")
        let exchange = "\(name).exchange"
        let queue = ServiceQueue(
            name: "\(name).commands", bindings: [QueueBinding(exchange: exchange, routingKey: "tally.#")], retryDelaysMilliseconds: [])
        let connection = try await AMQPConnection.connect(TestServers.broker)
        try await Topology.declareExchanges(on: connection)
        try await connection.declareExchange(exchange, type: .topic, durable: false)
        // Where a move stopped after the old queue went: the messages in the holding queue,
        // which holds the bindings, and the new queue declared but not bound.
        let holding = QueueMigration.holdingQueue(of: queue.name)
        try await connection.declareQueue(holding, arguments: ["x-queue-type": "quorum"])
        try await connection.bindQueue(holding, to: exchange, routingKey: "tally.#")
        try await connection.declareQueue(queue.name, arguments: ["x-queue-type": "quorum"])
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        for index in 0..<2 {
            let message = AMQPMessage(exchange: exchange, routingKey: "tally.add.v1", body: Data("\(index)".utf8), mandatory: true)
            #expect(try await publisher.publish(message) == .confirmed)
        }
        await publisher.close()

        let moved = try await Topology.declare(queue, migrating: true, on: connection)
        #expect(moved == [queue.name])
        #expect(try await connection.declareQueue(queue.name, passive: true).messageCount == 2)
        var holdingGone = false
        do {
            try await connection.declareQueue(holding, passive: true)
        } catch let error as AMQPError where error.code == .notFound {
            holdingGone = true
        }
        #expect(holdingGone)
        await Topology.delete(queue, on: connection)
        try? await connection.deleteExchange(exchange)
        await connection.close()
    }

    /// The declaration of an earlier version: limits, dead-lettering and delays as arguments.
    static func declareAsBefore(_ queue: ServiceQueue, on connection: AMQPConnection) async throws {
        try await connection.declareQueue(
            queue.name,
            arguments: [
                "x-queue-type": "quorum", "x-delivery-limit": .int(Int64(queue.deliveryLimit)),
                "x-dead-letter-exchange": .string(Exchanges.dead), "x-dead-letter-routing-key": .string(queue.name),
            ])
        for binding in queue.bindings { try await connection.bindQueue(queue.name, to: binding.exchange, routingKey: binding.routingKey) }
        for (level, delay) in queue.retryDelaysMilliseconds.enumerated() {
            let retryQueue = queue.retryQueue(level: level + 1)
            try await connection.declareQueue(
                retryQueue,
                arguments: [
                    "x-message-ttl": .int(Int64(delay)), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": .string(queue.name),
                ])
            try await connection.bindQueue(retryQueue, to: Exchanges.retry, routingKey: retryQueue)
        }
    }

    @Test func aQueueDeclaredWithTheOldArgumentsIsLeftToServicesAndMovedWithItsMessagesByTheOperator() async throws {
        let name = TestServers.unique("moved")
        let exchange = "\(name).exchange"
        let queue = ServiceQueue(
            name: "\(name).commands", bindings: [QueueBinding(exchange: exchange, routingKey: "tally.#")], retryDelaysMilliseconds: [600_000])
        let connection = try await AMQPConnection.connect(TestServers.broker)
        try await Topology.declareExchanges(on: connection)
        try await connection.declareExchange(exchange, type: .topic, durable: false)
        try await Self.declareAsBefore(queue, on: connection)
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        for index in 0..<3 {
            let message = AMQPMessage(exchange: exchange, routingKey: "tally.add.v1", body: Data("\(index)".utf8), mandatory: true)
            #expect(try await publisher.publish(message) == .confirmed)
        }
        let waiting = AMQPMessage(exchange: Exchanges.retry, routingKey: queue.retryQueue(level: 1), body: Data("retry".utf8), mandatory: true)
        #expect(try await publisher.publish(waiting) == .confirmed)

        // A service starting against it keeps it as it is, and says so.
        let left = try await Topology.declare(queue, on: connection)
        #expect(left == [queue.name, queue.retryQueue(level: 1)])
        let oldArguments = try await Self.arguments(queue.name)
        #expect(oldArguments["x-delivery-limit"] != nil)

        // While something reads it, the operator's declare refuses to touch it.
        let reader = try await AMQPConsumer.start(TestServers.broker, queue: queue.name, prefetch: 1, reconnect: false)
        var refusal = ""
        do {
            try await Topology.declare(queue, migrating: true, on: connection)
        } catch {
            refusal = "\(error)"
        }
        #expect(refusal.contains("stop the services"))
        await reader.close()

        try await TestBrokerPolicies.apply(for: [queue])
        let moved = try await Topology.declare(queue, migrating: true, on: connection)
        #expect(moved == [queue.name, queue.retryQueue(level: 1)])
        let newArguments = try await Self.arguments(queue.name) { $0["x-delivery-limit"] == nil }
        #expect(Set(newArguments.keys) == ["x-queue-type"])
        let retryArguments = try await Self.arguments(queue.retryQueue(level: 1)) { $0.isEmpty }
        #expect(retryArguments.isEmpty)
        #expect(try await connection.declareQueue(queue.name, passive: true).messageCount == 3)
        #expect(try await connection.declareQueue(queue.retryQueue(level: 1), passive: true).messageCount == 1)
        let bodies = try await QueuePeek.messages(queue.name, broker: TestServers.broker).map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies == ["0", "1", "2"], "in their order")
        var holdingGone = false
        do {
            try await connection.declareQueue(QueueMigration.holdingQueue(of: queue.name), passive: true)
        } catch let error as AMQPError where error.code == .notFound {
            holdingGone = true
        }
        #expect(holdingGone)
        // Its binding is back: what is published now reaches it.
        let after = AMQPMessage(exchange: exchange, routingKey: "tally.add.v1", body: Data("3".utf8), mandatory: true)
        #expect(try await publisher.publish(after) == .confirmed)
        let four = try await eventually { try await connection.declareQueue(queue.name, passive: true).messageCount == 4 }
        #expect(four)
        // And declaring again changes nothing.
        #expect(try await Topology.declare(queue, migrating: true, on: connection).isEmpty)

        await publisher.close()
        await Topology.delete(queue, on: connection)
        try? await connection.deleteExchange(exchange)
        await connection.close()
        await TestBrokerPolicies.remove(for: [queue])
    }
}
