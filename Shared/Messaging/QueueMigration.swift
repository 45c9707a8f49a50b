import AMQP

/// Moves a queue to a new declaration without losing its messages. The broker refuses to
/// declare a queue again with other arguments (406), and a queue's arguments change only by
/// deleting it: earlier versions declared delivery limits, dead-lettering and delays as
/// arguments, which are policies now.
///
/// The messages wait in a holding queue `<name>.migrating` meanwhile, declared like the
/// new queue, which takes the queue's bindings before the queue gives them up, so that what
/// is published meanwhile is kept too (a message published in the instant both are bound
/// reaches both; the consumer's inbox drops the copy). Every message is moved with a
/// publisher confirm before it is acknowledged. A queue with consumers is not touched: the
/// services that read it must be stopped first.
///
/// What is not covered: a message dead-lettered into the queue by name (a delay queue
/// returning a retry) in the instant between the last move and the delete.
public enum QueueMigration {
    public static func holdingQueue(of name: String) -> String { "\(name).migrating" }

    static func redeclare(
        _ name: String, durable: Bool, arguments: AMQPTable, bindings: [QueueBinding], on connection: AMQPConnection
    ) async throws {
        let consumers = try await connection.declareQueue(name, passive: true).consumerCount
        guard consumers == 0 else {
            throw AMQPError(
                code: .preconditionFailed,
                message:
                    "queue \(name) was declared by an earlier version with arguments that are policies now, and \(consumers) consumer(s) read it: stop the services, then run `erpctl topology declare` again to move it",
                operation: "migrate queue \(name)")
        }
        let holding = holdingQueue(of: name)
        try await connection.declareQueue(holding, durable: durable, arguments: arguments)
        for binding in bindings { try await connection.bindQueue(holding, to: binding.exchange, routingKey: binding.routingKey) }
        for binding in bindings { try await connection.unbindQueue(name, from: binding.exchange, routingKey: binding.routingKey) }
        try await move(from: name, to: holding, broker: connection.configuration, on: connection)
        try await connection.deleteQueue(name)
        try await connection.declareQueue(name, durable: durable, arguments: arguments)
        for binding in bindings { try await connection.bindQueue(name, to: binding.exchange, routingKey: binding.routingKey) }
        for binding in bindings { try await connection.unbindQueue(holding, from: binding.exchange, routingKey: binding.routingKey) }
        try await move(from: holding, to: name, broker: connection.configuration, on: connection)
        try await connection.deleteQueue(holding)
    }

    /// Moves every message of `source` to `target` (through the default exchange, confirmed,
    /// then acknowledged), until `source` is empty; returns how many.
    @discardableResult
    static func move(from source: String, to target: String, broker: AMQPConfiguration, on connection: AMQPConnection) async throws -> Int {
        var moved = 0
        while try await connection.declareQueue(source, passive: true).messageCount > 0 {
            let publisher = try await AMQPPublisher.connect(broker, reconnect: false)
            let batch: Int
            do {
                batch = try await QueuePeek.withMessages(source, broker: broker, limit: 10_000) { deliveries, consumer in
                    for delivery in deliveries {
                        var properties = delivery.properties
                        // The broker's count of deliveries in the old queue, not the new one's.
                        properties.headers["x-delivery-count"] = nil
                        let outcome = try await publisher.publish(
                            AMQPMessage(exchange: "", routingKey: target, body: delivery.body, properties: properties, mandatory: true))
                        guard outcome == .confirmed else {
                            throw AMQPError(
                                code: .notFound, message: "moving a message from \(source) to \(target): the broker did not take it (\(outcome))",
                                operation: "migrate queue \(source)")
                        }
                        consumer.ack(delivery)
                    }
                    return deliveries.count
                }
                await publisher.close()
            } catch {
                await publisher.close()
                throw error
            }
            guard batch > 0 else {
                throw AMQPError(
                    code: .preconditionFailed, message: "\(source) holds messages but delivered none in 5 s", operation: "migrate queue \(source)")
            }
            moved += batch
        }
        return moved
    }
}
