import AMQP
import Foundation
import Messaging
import TestSupport
import Testing

/// A queue whose bindings an upgrade narrowed loses the old ones when it is declared again.
@Suite(.timeLimit(.minutes(6))) struct RetiredBindingTests {
    static func route(_ key: String, _ exchange: String, _ publisher: AMQPPublisher) async throws -> Bool {
        let outcome = try await publisher.publish(
            AMQPMessage(exchange: exchange, routingKey: key, body: Data("{}".utf8), properties: AMQPProperties(), mandatory: true))
        return outcome == .confirmed
    }

    @Test func aRetiredBindingIsRemovedWhenTheQueueIsDeclaredAgainAndTheNewOnesRoute() async throws {
        let exchange = TestEnvironment.uniqueName("t_retired_x")
        let name = TestEnvironment.uniqueName("t_retired_q")
        let connection = try await AMQPConnection.connect(TestServers.broker)
        try await Topology.declareExchanges(on: connection)  // a queue's parking and delay queues are bound to erp.dead and erp.retry
        try await connection.declareExchange(exchange, type: .topic, durable: false, autoDelete: true)
        let old = ServiceQueue(name: name, bindings: [QueueBinding(exchange: exchange, routingKey: "platform.#")], retryDelaysMilliseconds: [])
        try await Topology.declare(old, on: connection)
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        #expect(try await Self.route("platform.web.customer.created", exchange, publisher), "the old binding takes everything")

        let narrowed = ServiceQueue(
            name: name, bindings: [QueueBinding(exchange: exchange, routingKey: "platform.*.order.*")], retryDelaysMilliseconds: [],
            retiredBindings: old.bindings)
        try await Topology.declare(narrowed, on: connection)
        try await Topology.declare(narrowed, on: connection)  // again: unbinding what is gone is no error
        #expect(try await Self.route("platform.web.order.created", exchange, publisher))
        #expect(try await !Self.route("platform.web.customer.created", exchange, publisher), "no queue takes it any more")

        await publisher.close()
        await Topology.delete(narrowed, on: connection)
        await connection.close()
    }
}
