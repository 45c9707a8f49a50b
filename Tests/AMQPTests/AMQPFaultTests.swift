import AMQP
import Foundation
import TestSupport
import Testing

/// Tests that restart the broker. The test command runs suites named `...FaultTests` in a
/// separate, serial `swift test` run, so that no other test sees the broker go away.
@Suite(
    .serialized, .enabled(if: TestEnvironment.faultTestsEnabled, "set ERP_FAULT_TESTS=1 (deploy/local/test.sh does, for their own run)"),
    .timeLimit(.minutes(6))) struct AMQPFaultTests
{
    @Test func aConsumerWithoutReconnectEndsWithTheReasonWhenTheBrokerClosesItsConnection() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("forced")
        try await admin.declareQueue(queue)
        await admin.close()
        let consumer = try await AMQPConsumer.start(
            TestBroker.configuration("erp-test-forced-close"), queue: queue, reconnect: false)
        try await TestBroker.rabbitmqctl("close_all_connections", "closed by the test")
        await #expect {
            for try await _ in consumer {}
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .connectionLost && error.message.contains("closed by the test")
        }
        let cleanup = try await AMQPConnection.connect(TestBroker.configuration())
        try await cleanup.deleteQueue(queue)
        await cleanup.close()
    }

    @Test func afterABrokerRestartConsumerAndPublisherReconnectAndUnackedMessagesAreRedelivered() async throws {
        let admin = try await AMQPConnection.connect(TestBroker.configuration())
        let queue = TestBroker.unique("restart")
        try await admin.declareQueue(queue)
        await admin.close()
        let publisher = try await AMQPPublisher.connect(TestBroker.configuration("erp-test-restart-publisher"))
        for index in 0..<5 {
            #expect(try await publisher.publish(Data("m\(index)".utf8), exchange: "", routingKey: queue) == .confirmed)
        }
        let consumer = try await AMQPConsumer.start(TestBroker.configuration("erp-test-restart-consumer"), queue: queue, prefetch: 10)
        var iterator = consumer.makeAsyncIterator()
        var beforeRestart: [AMQPDelivery] = []
        for _ in 0..<5 { beforeRestart.append(try #require(try await iterator.next())) }
        // Ack two; three stay unacknowledged when the broker goes down.
        consumer.ack(beforeRestart[0])
        consumer.ack(beforeRestart[1])
        let acksArrived = try await eventually { try await TestEnvironment.brokerQueueCount(queue, "messages_unacknowledged") == 3 }
        #expect(acksArrived, "the broker has the two acks before it goes down")

        try await TestBroker.rabbitmqctl("stop_app")
        try await TestBroker.rabbitmqctl("start_app")

        var events = consumer.events.makeAsyncIterator()
        guard case .disconnected? = await events.next() else {
            Issue.record("no disconnect event")
            return
        }
        guard case .reconnected? = await events.next() else {
            Issue.record("no reconnect event")
            return
        }
        // An ack for a delivery of the old connection is not sent.
        #expect(consumer.ack(beforeRestart[2]) == false)
        var redelivered: [String] = []
        for _ in 0..<3 {
            let delivery = try #require(try await iterator.next())
            #expect(delivery.redelivered)
            redelivered.append(String(decoding: delivery.body, as: UTF8.self))
            consumer.ack(delivery)
        }
        #expect(Set(redelivered) == ["m2", "m3", "m4"])

        // The publisher reconnects too and publishes again.
        let published = try await eventually(within: 10) {
            (try? await publisher.publish(Data("after".utf8), exchange: "", routingKey: queue)) == .confirmed
        }
        #expect(published)
        let after = try #require(try await iterator.next())
        #expect(after.body == Data("after".utf8))
        consumer.ack(after)
        await consumer.close()
        await publisher.close()
        let cleanup = try await AMQPConnection.connect(TestBroker.configuration())
        try await cleanup.deleteQueue(queue)
        await cleanup.close()
    }
}
