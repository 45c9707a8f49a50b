import CRabbitMQ
import Foundation
import Synchronization
import Logging

/// A consumer of one queue on its own connection. Deliveries arrive as an `AsyncSequence`;
/// at most `prefetch` are unacknowledged at once. After a lost connection it reconnects,
/// consumes again, and the broker redelivers what was not acknowledged (with
/// `redelivered` set); acks for deliveries of the old connection are not sent.
/// The sequence ends with ``AMQPError/Code/consumerCancelled`` if the broker cancels the
/// consumer (for example because the queue was deleted), and normally after ``close()``.
/// ``nextBatch(max:)`` takes every delivery already received (up to a maximum) at once,
/// for handling them in one transaction. One task at a time takes deliveries.
/// The consumer is an actor on its connection's thread.
public actor AMQPConsumer: AsyncSequence {
    public typealias Element = AMQPDelivery
    public nonisolated let connection: AMQPConnection
    public nonisolated let queue: String
    public nonisolated let prefetch: UInt16
    public nonisolated var events: AsyncStream<AMQPConnectionEvent> { connection.events }
    private nonisolated let sink = AMQPDeliveryBuffer()

    private var consumerTag = ""
    private var cancelled = false

    public nonisolated var unownedExecutor: UnownedSerialExecutor { connection.unownedExecutor }

    private init(connection: AMQPConnection, queue: String, prefetch: UInt16) {
        self.connection = connection
        self.queue = queue
        self.prefetch = prefetch
    }

    /// Connects, sets `basic.qos(prefetch)` and starts consuming `queue`.
    public static func start(
        _ configuration: AMQPConfiguration, queue: String, prefetch: UInt16 = 100, exclusive: Bool = false,
        arguments: AMQPTable = [:], reconnect: Bool = true, logger: Logger = Logger(label: "erp.amqp.consumer")
    ) async throws -> AMQPConsumer {
        try await AMQPConnection.connect(configuration, reconnect: reconnect, logger: logger) { connection in
            let consumer = AMQPConsumer(connection: connection, queue: queue, prefetch: prefetch)
            consumer.installHandlers(on: connection, exclusive: exclusive, arguments: arguments)
            return consumer
        }.owner
    }

    public static func start(
        url: String, queue: String, prefetch: UInt16 = 100, reconnect: Bool = true
    ) async throws -> AMQPConsumer {
        try await start(AMQPConfiguration(url: url), queue: queue, prefetch: prefetch, reconnect: reconnect)
    }

    /// Waits for at least one delivery and returns up to `max` of those already received.
    /// Returns an empty array once the consumer has been closed; throws if it ended with an
    /// error (broker cancellation, connection lost without reconnect) or the task is cancelled.
    public nonisolated func nextBatch(max: Int) async throws -> [AMQPDelivery] {
        try await sink.next(max: Swift.max(1, max))
    }

    public nonisolated func makeAsyncIterator() -> Iterator { Iterator(consumer: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let consumer: AMQPConsumer
        var pending: [AMQPDelivery] = []
        var index = 0

        public mutating func next() async throws -> AMQPDelivery? {
            if index == pending.count {
                pending = try await consumer.nextBatch(max: 64)
                index = 0
                if pending.isEmpty { return nil }
            }
            defer { index += 1 }
            return pending[index]
        }
    }

    /// Acknowledges a delivery (and, with `multiple`, every earlier one on this connection).
    /// Returns false, sending nothing, when the delivery came from a connection that has
    /// since been lost: the broker will deliver that message again.
    @discardableResult
    public nonisolated func ack(_ delivery: AMQPDelivery, multiple: Bool = false) -> Bool {
        settle(delivery, "basic.ack") { state, channel in
            amqp_basic_ack(state, channel, delivery.deliveryTag, multiple ? 1 : 0)
        }
    }

    /// Negatively acknowledges; with `requeue: false` the broker dead-letters (or drops) it.
    @discardableResult
    public nonisolated func nack(_ delivery: AMQPDelivery, multiple: Bool = false, requeue: Bool) -> Bool {
        settle(delivery, "basic.nack") { state, channel in
            amqp_basic_nack(state, channel, delivery.deliveryTag, multiple ? 1 : 0, requeue ? 1 : 0)
        }
    }

    /// Rejects one delivery; with `requeue: false` the broker dead-letters (or drops) it.
    @discardableResult
    public nonisolated func reject(_ delivery: AMQPDelivery, requeue: Bool) -> Bool {
        settle(delivery, "basic.reject") { state, channel in
            amqp_basic_reject(state, channel, delivery.deliveryTag, requeue ? 1 : 0)
        }
    }

    /// Stops consuming and closes the connection; unacknowledged deliveries go back to the queue.
    public nonisolated func close() async {
        await connection.close()
        sink.finish(nil)
    }

    // MARK: - On the connection's thread

    private nonisolated func settle(
        _ delivery: AMQPDelivery, _ operation: String,
        _ send: @escaping @Sendable (amqp_connection_state_t, amqp_channel_t) -> Int32
    ) -> Bool {
        guard delivery.connectionGeneration == connection.liveGeneration else { return false }
        return connection.thread.submit { [connection] in
            connection.assumeIsolated { $0.settle(generation: delivery.connectionGeneration, operation, send) }
        }
    }

    /// Installs the channel setup (qos, consume) and the frame handlers; called on the
    /// connection's thread before it opens.
    private func installHandlers(on connection: isolated AMQPConnection, exclusive: Bool, arguments: AMQPTable) {
        let queue = queue
        let prefetch = prefetch
        let sink = sink
        // The consumer owns the connection: the handlers hold the consumer weakly, or
        // neither (nor the connection's thread and wake pipe) would ever be freed.
        connection.channelSetup = { [weak self] connection, state in
            _ = amqp_basic_qos(state, connection.channel, 0, prefetch, 0)
            try connection.check(amqp_get_rpc_reply(state), state, "basic.qos", recoverChannel: false)
            let arena = CArena()
            let ok = amqp_basic_consume(
                state, connection.channel, arena.bytes(queue), amqp_empty_bytes, 0, 0, exclusive ? 1 : 0, arena.table(arguments))
            do {
                try connection.check(amqp_get_rpc_reply(state), state, "basic.consume \(queue)", recoverChannel: false)
            } catch let error as AMQPError where error.code != .connectionLost {
                // The queue is gone or locked: this will not get better by reconnecting.
                sink.finish(error)
                throw error
            }
            let tag = ok?.pointee.consumer_tag.string ?? ""
            self?.assumeIsolated { $0.consumerTag = tag }
        }
        connection.handlers.delivery = { delivery in sink.push(delivery) }
        connection.handlers.connectionEnded = { error in
            sink.finish(error.code == .notConnected ? nil : error)
        }
        connection.handlers.consumerCancelled = { [weak self] tag in
            guard let self, self.assumeIsolated({ $0.cancelledByBroker(tag: tag) }) else { return }
            // Nothing more will arrive on this consumer; release the connection (after this
            // frame is handled: a job of its own).
            Task.detached { await connection.close() }
        }
    }

    /// The broker cancelled a consumer: if it is this one, the deliveries end with the
    /// reason. Returns true the first time.
    private func cancelledByBroker(tag: String) -> Bool {
        guard tag == consumerTag, !cancelled else { return false }
        cancelled = true
        sink.finish(
            AMQPError(
                code: .consumerCancelled, message: "the broker cancelled consumer \(tag) of queue \(queue)",
                operation: "basic.consume \(queue)"))
        return true
    }
}
