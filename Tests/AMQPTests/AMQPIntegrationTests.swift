import AMQP
import Foundation
import TestSupport
import Testing

/// Tests against the real broker, one at a time (some close every connection).
@Suite(.serialized, .timeLimit(.minutes(6))) struct AMQPIntegrationTests {
    // MARK: - Connecting

    @Test func aRefusedConnectionSaysWhereItTried() async {
        var configuration = TestBroker.configuration()
        configuration.port = 1
        await #expect {
            _ = try await AMQPConnection.connect(configuration)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .connectionRefused && error.message.contains("127.0.0.1:1")
        }
    }

    @Test func badCredentialsAreReportedAsAuthenticationFailure() async {
        var configuration = TestBroker.configuration()
        configuration.password = "wrong-password"
        await #expect {
            _ = try await AMQPConnection.connect(configuration)
        } throws: { error in
            (error as? AMQPError)?.code == .authenticationFailed
        }
    }

    @Test func aMissingVhostIsReportedAsSuch() async {
        var configuration = TestBroker.configuration()
        configuration.vhost = "no-such-vhost"
        await #expect {
            _ = try await AMQPConnection.connect(configuration)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .vhostNotFound && error.message.contains("no-such-vhost")
        }
    }

    @Test func anOperationTheUserMayNotDoIsAccessRefusedAndTheConnectionSurvives() async throws {
        try await TestBroker.rabbitmqctl("add_user", "erp_test_limited", "limited")
        try await TestBroker.rabbitmqctl("set_permissions", "-p", "/", "erp_test_limited", "^$", "^$", "^$")
        var configuration = TestBroker.configuration()
        configuration.user = "erp_test_limited"
        configuration.password = "limited"
        let connection = try await AMQPConnection.connect(configuration)
        await #expect {
            try await connection.declareQueue(TestBroker.unique("forbidden"))
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .accessRefused && error.replyCode == 403
        }
        // The channel was reopened: a permitted operation (passive declare of a built-in exchange) works.
        try await connection.declareExchange("amq.topic", type: .topic, passive: true)
        await connection.close()
    }

    @Test func heartbeatsAreServicedWhileIdle() async throws {
        var configuration = TestBroker.configuration("erp-heartbeat-test")
        configuration.heartbeat = 1
        let connection = try await AMQPConnection.connect(configuration)
        // The broker closes a connection that misses two heartbeats (about 2 s at 1 s).
        try await Task.sleep(nanoseconds: 4_000_000_000)
        #expect(await connection.isConnected)
        try await connection.declareExchange("amq.direct", type: .direct, passive: true)
        let listed = try await TestBroker.rabbitmqctl("list_connections", "client_properties", "timeout")
        #expect(listed.contains("erp-heartbeat-test"))
        await connection.close()
    }

    /// A publisher or consumer owns its connection, and the connection holds the handlers
    /// the publisher or consumer installed: held strongly, they kept both (and the
    /// connection's thread and wake-up pipe) alive after close, and a test run leaked
    /// thousands of descriptors.
    @Test func aClosedPublisherOrConsumerFreesItsConnection() async throws {
        let queue = TestBroker.unique("freed")
        let setup = try await AMQPConnection.connect(TestBroker.configuration())
        try await setup.declareQueue(queue, durable: false, autoDelete: true)
        weak var publisherConnection: AMQPConnection?
        weak var consumerConnection: AMQPConnection?
        do {
            let publisher = try await AMQPPublisher.connect(TestBroker.configuration())
            let consumer = try await AMQPConsumer.start(TestBroker.configuration(), queue: queue)
            (publisherConnection, consumerConnection) = (publisher.connection, consumer.connection)
            await publisher.close()
            await consumer.close()
        }
        let freed = try await eventually(within: 10) { publisherConnection == nil && consumerConnection == nil }
        #expect(freed, "publisher's connection freed: \(publisherConnection == nil), consumer's: \(consumerConnection == nil)")
        await setup.close()
    }

    // MARK: - Topology

    @Test func quorumQueuesWithArgumentsAreDeclaredIdempotentlyAndBound() async throws {
        let connection = try await AMQPConnection.connect(TestBroker.configuration())
        let exchange = TestBroker.unique("events")
        let dead = TestBroker.unique("dead")
        let queue = TestBroker.unique("orders.events")
        try await connection.declareExchange(exchange, type: .topic)
        try await connection.declareExchange(dead, type: .topic)
        let arguments: AMQPTable = [
            "x-queue-type": "quorum", "x-dead-letter-exchange": .string(dead), "x-delivery-limit": 5,
            "x-single-active-consumer": true,
        ]
        let info = try await connection.declareQueue(queue, arguments: arguments)
        #expect(info.name == queue && info.messageCount == 0)
        // Declaring again with the same arguments is harmless.
        try await connection.declareQueue(queue, arguments: arguments)
        try await connection.bindQueue(queue, to: exchange, routingKey: "orders.order.*.v1")
        let passive = try await connection.declareQueue(queue, passive: true)
        #expect(passive.name == queue)
        try await connection.deleteQueue(queue)
        try await connection.deleteExchange(exchange)
        try await connection.deleteExchange(dead)
        await connection.close()
    }

    @Test func aPassiveDeclareOfAMissingQueueIsNotFoundAndTheConnectionStaysUsable() async throws {
        let connection = try await AMQPConnection.connect(TestBroker.configuration())
        await #expect {
            try await connection.declareQueue(TestBroker.unique("missing"), passive: true)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .notFound && error.replyCode == 404 && error.operation?.contains("queue.declare") == true
        }
        await #expect(throws: AMQPError.self) {
            try await connection.declareExchange(TestBroker.unique("missing"), passive: true)
        }
        let info = try await connection.declareQueue("", durable: false, exclusive: true, autoDelete: true)
        #expect(info.name.hasPrefix("amq.gen-"))
        await connection.close()
    }

    @Test func redeclaringWithDifferentArgumentsIsAPreconditionFailure() async throws {
        let connection = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("conflict")
        try await connection.declareQueue(queue, arguments: ["x-max-length": 10])
        await #expect {
            try await connection.declareQueue(queue, arguments: ["x-max-length": 20])
        } throws: { error in
            (error as? AMQPError)?.code == .preconditionFailed
        }
        try await connection.deleteQueue(queue)
        await connection.close()
    }

    // MARK: - Publishing

    @Test func everyPropertyAndHeaderArrivesAsPublished() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("props")
        try await admin.declareQueue(queue)
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration("erp-test-publisher"))
        let stamp = Date(timeIntervalSince1970: 1_796_000_000)
        let properties = AMQPProperties(
            contentType: "application/json",
            headers: [
                "causation-id": "c-1", "schema-version": 1, "replayed": false, "attempts": 3,
            ], persistent: true, correlationID: "order-42", messageID: "7f1c0d1e-0000-4000-8000-000000000001",
            timestamp: stamp, type: "orders.order.placed.v1", appID: "erp-orders")
        let outcome = try await publisher.publish(
            Data(#"{"order":"42"}"#.utf8), exchange: "", routingKey: queue, properties: properties)
        #expect(outcome == .confirmed)

        let consumer = try await AMQPConsumer.start(TestBroker.configuration(), queue: queue, prefetch: 10)
        let delivery = try #require(try await consumer.next(within: 5))
        #expect(delivery.body == Data(#"{"order":"42"}"#.utf8))
        #expect(delivery.routingKey == queue)
        #expect(delivery.properties == properties)
        #expect(!delivery.redelivered)
        consumer.ack(delivery)
        await consumer.close()
        await publisher.close()
        try await admin.deleteQueue(queue)
        await admin.close()
    }

    @Test func anUnroutableMandatoryMessageIsReturnedToItsPublisher() async throws {
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration())
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let exchange = TestBroker.unique("nowhere")
        try await admin.declareExchange(exchange, type: .topic, durable: false, autoDelete: false)
        let outcome = try await publisher.publish(Data("lost?".utf8), exchange: exchange, routingKey: "no.queue.bound", mandatory: true)
        guard case .returned(let returned) = outcome else {
            Issue.record("expected a return, got \(outcome)")
            return
        }
        #expect(returned.replyCode == 312)
        #expect(returned.routingKey == "no.queue.bound")
        // Without mandatory the broker just confirms (and drops) it.
        #expect(try await publisher.publish(Data(), exchange: exchange, routingKey: "no.queue.bound") == .confirmed)
        try await admin.deleteExchange(exchange)
        await admin.close()
        await publisher.close()
    }

    @Test func aPublishToAFullRejectingQueueIsNacked() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("full")
        try await admin.declareQueue(queue, arguments: ["x-max-length": 1, "x-overflow": "reject-publish"])
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration())
        #expect(try await publisher.publish(Data("1".utf8), exchange: "", routingKey: queue) == .confirmed)
        #expect(try await publisher.publish(Data("2".utf8), exchange: "", routingKey: queue) == .nacked)
        try await admin.deleteQueue(queue)
        await admin.close()
        await publisher.close()
    }

    @Test func publishingToAMissingExchangeFailsThatPublishAndThePublisherRecovers() async throws {
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration())
        await #expect {
            _ = try await publisher.publish(Data("x".utf8), exchange: TestBroker.unique("absent"), routingKey: "k")
        } throws: { error in
            (error as? AMQPError)?.message.contains("NOT_FOUND") == true
        }
        #expect(try await publisher.publish(Data("y".utf8), exchange: "amq.topic", routingKey: "k") == .confirmed)
        await publisher.close()
    }

    @Test func aWindowOfManyOutstandingPublishesIsAllConfirmedAndConsumed() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("window")
        try await admin.declareQueue(queue, arguments: ["x-queue-type": "quorum"])
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration(), window: 100)
        let messages = (0..<2_000).map {
            AMQPMessage(exchange: "", routingKey: queue, body: Data("message \($0)".utf8), properties: AMQPProperties(messageID: "\($0)"))
        }
        let results = await publisher.publish(batch: messages)
        let allConfirmed = results.allSatisfy { (try? $0.get()) == .confirmed }
        #expect(allConfirmed)

        let consumer = try await AMQPConsumer.start(TestBroker.configuration(), queue: queue, prefetch: 200)
        var seen = Set<String>()
        for try await delivery in consumer {
            seen.insert(delivery.properties.messageID ?? "")
            if seen.count % 100 == 0 { consumer.ack(delivery, multiple: true) }
            if seen.count == messages.count { break }
        }
        #expect(seen.count == 2_000)
        await consumer.close()
        let settled = try await eventually { try await TestEnvironment.brokerQueueCount(queue) == 0 }
        #expect(settled, "every delivery was acknowledged before the consumer closed")
        try await admin.deleteQueue(queue)
        await admin.close()
        await publisher.close()
    }

    // MARK: - Consuming

    @Test func nackWithRequeueRedeliversAndRejectWithoutRequeueDeadLetters() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let dead = TestBroker.unique("dlx")
        let queue = TestBroker.unique("work")
        let parked = TestBroker.unique("parked")
        try await admin.declareExchange(dead, type: .topic)
        try await admin.declareQueue(parked)
        try await admin.bindQueue(parked, to: dead, routingKey: "#")
        try await admin.declareQueue(queue, arguments: ["x-dead-letter-exchange": .string(dead)])
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration())
        _ = try await publisher.publish(Data("poison".utf8), exchange: "", routingKey: queue)

        let consumer = try await AMQPConsumer.start(TestBroker.configuration(), queue: queue, prefetch: 1)
        let first = try #require(try await consumer.next(within: 5))
        #expect(!first.redelivered)
        consumer.nack(first, requeue: true)
        let second = try #require(try await consumer.next(within: 5))
        #expect(second.redelivered)
        #expect(second.body == Data("poison".utf8))
        consumer.reject(second, requeue: false)

        let deadConsumer = try await AMQPConsumer.start(TestBroker.configuration(), queue: parked, prefetch: 1)
        let parkedDelivery = try #require(try await deadConsumer.next(within: 5))
        #expect(parkedDelivery.body == Data("poison".utf8))
        #expect(parkedDelivery.routingKey == queue)
        guard case .array(let deaths)? = parkedDelivery.properties.headers["x-death"] else {
            Issue.record("no x-death header: \(parkedDelivery.properties.headers)")
            return
        }
        #expect(!deaths.isEmpty)
        deadConsumer.ack(parkedDelivery)
        await deadConsumer.close()
        await consumer.close()
        await publisher.close()
        for name in [queue, parked] { try await admin.deleteQueue(name) }
        try await admin.deleteExchange(dead)
        await admin.close()
    }

    @Test func aDeletedQueueCancelsItsConsumerAndEndsTheSequence() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("doomed")
        try await admin.declareQueue(queue)
        // start() returns once the broker has answered basic.consume.
        let consumer = try await AMQPConsumer.start(TestBroker.configuration(), queue: queue)
        try await admin.deleteQueue(queue)
        await #expect {
            for try await _ in consumer {}
        } throws: { error in
            (error as? AMQPError)?.code == .consumerCancelled
        }
        await admin.close()
    }

    @Test func consumingAMissingQueueFailsAtStart() async {
        await #expect {
            _ = try await AMQPConsumer.start(TestBroker.configuration(), queue: TestBroker.unique("never"), reconnect: false)
        } throws: { error in
            (error as? AMQPError)?.code == .notFound
        }
    }

}

extension AMQPIntegrationTests {
    @Test func nextBatchTakesEveryDeliveryAlreadyReceivedUpToTheMaximum() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("batch")
        try await admin.declareQueue(queue)
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration())
        let results = await publisher.publish(
            batch: (0..<30).map {
                AMQPMessage(exchange: "", routingKey: queue, body: Data("\($0)".utf8))
            })
        let allConfirmed = results.allSatisfy { (try? $0.get()) == .confirmed }
        #expect(allConfirmed)
        let consumer = try await AMQPConsumer.start(TestBroker.configuration(), queue: queue, prefetch: 50)
        var received: [AMQPDelivery] = []
        while received.count < 30 {
            let batch = try await consumer.nextBatch(max: 20)
            #expect(!batch.isEmpty && batch.count <= 20)
            received += batch
        }
        let receivedInOrder = received.map { String(decoding: $0.body, as: UTF8.self) } == (0..<30).map(String.init)
        #expect(receivedInOrder)
        consumer.ack(received.last!, multiple: true)
        await consumer.close()
        #expect(try await consumer.nextBatch(max: 10).isEmpty, "a closed consumer returns an empty batch")
        let settled = try await eventually { try await TestEnvironment.brokerQueueCount(queue) == 0 }
        #expect(settled, "the one multiple ack settled all 30")
        try await admin.deleteQueue(queue)
        await admin.close()
        await publisher.close()
    }

    @Test func cancellingAWaitingTaskDoesNotCloseTheConsumer() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("cancel")
        try await admin.declareQueue(queue)
        let consumer = try await AMQPConsumer.start(TestBroker.configuration(), queue: queue)
        let waiting = Task { try await consumer.nextBatch(max: 1) }
        try await Task.sleep(nanoseconds: 100_000_000)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration())
        _ = try await publisher.publish(Data("still here".utf8), exchange: "", routingKey: queue)
        let delivery = try #require(try await consumer.nextBatch(max: 1).first)
        #expect(delivery.body == Data("still here".utf8))
        consumer.ack(delivery)
        await consumer.close()
        await publisher.close()
        try await admin.deleteQueue(queue)
        await admin.close()
    }
}
