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
/// It goes in two steps, ``begin(_:durable:arguments:bindings:on:)`` (into the holding
/// queue, the old queue deleted, the new one declared) and
/// ``finish(_:bindings:on:)`` (the new queue bound, the messages back, the holding queue
/// deleted), so that a service queue's delay queues can be emptied into holding queues,
/// where no delay returns them, before the service queue itself goes: nothing is
/// dead-lettered into it while it is gone. A migration cut short (a crash, a lost
/// connection) is finished by the next `erpctl topology declare`: the holding queue is
/// still there (``finishIfBegun(_:bindings:on:)``).
public enum QueueMigration {
    public static func holdingQueue(of name: String) -> String { "\(name).migrating" }

    static func redeclare(
        _ name: String, durable: Bool, arguments: AMQPTable, bindings: [QueueBinding], on connection: AMQPConnection
    ) async throws {
        try await begin(name, durable: durable, arguments: arguments, bindings: bindings, on: connection)
        try await finish(name, bindings: bindings, on: connection)
    }

    /// Moves the messages into the holding queue, which takes the bindings, and declares the
    /// queue anew, unbound.
    static func begin(_ name: String, durable: Bool, arguments: AMQPTable, bindings: [QueueBinding], on connection: AMQPConnection)
        async throws
    {
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
    }

    /// Binds the new queue, moves the messages back from the holding queue and deletes it.
    static func finish(_ name: String, bindings: [QueueBinding], on connection: AMQPConnection) async throws {
        let holding = holdingQueue(of: name)
        for binding in bindings { try await connection.bindQueue(name, to: binding.exchange, routingKey: binding.routingKey) }
        for binding in bindings { try await connection.unbindQueue(holding, from: binding.exchange, routingKey: binding.routingKey) }
        try await move(from: holding, to: name, broker: connection.configuration, on: connection)
        try await connection.deleteQueue(holding)
    }

    /// Finishes a migration an earlier run began and did not finish; returns whether there was one.
    static func finishIfBegun(_ name: String, bindings: [QueueBinding], on connection: AMQPConnection) async throws -> Bool {
        do {
            try await connection.declareQueue(holdingQueue(of: name), passive: true)
        } catch let missing as AMQPError where missing.code == .notFound {
            return false
        }
        try await finish(name, bindings: bindings, on: connection)
        return true
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
