import AMQP
import Foundation

/// Looks at the messages waiting in a queue without taking them: they are received, shown
/// to `body`, and go back to the queue (in their order) when the consumer closes, unless
/// `body` acknowledged them. For parking queues and the platforms' outbound queues.
public enum QueuePeek {
    public static func withMessages<T: Sendable>(
        _ queue: String, broker: AMQPConfiguration, limit: Int,
        _ body: ([AMQPDelivery], AMQPConsumer) async throws -> T
    ) async throws -> T {
        let admin = try await AMQPConnection.connect(broker)
        let available: Int
        do {
            available = try await admin.declareQueue(queue, passive: true).messageCount
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
        let wanted = min(available, limit)
        let consumer = try await AMQPConsumer.start(
            broker, queue: queue, prefetch: UInt16(clamping: max(1, min(wanted, 65_535))), reconnect: false)
        var deliveries: [AMQPDelivery] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while deliveries.count < wanted && ContinuousClock.now < deadline {
            let missing = wanted - deliveries.count
            let batch = try await withThrowingTaskGroup(of: [AMQPDelivery].self) { group in
                group.addTask { try await consumer.nextBatch(max: missing) }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(500))
                    return []
                }
                let first = try await group.next() ?? []
                group.cancelAll()
                return first
            }
            deliveries += batch
        }
        do {
            let result = try await body(deliveries, consumer)
            await consumer.close()
            return result
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// The messages waiting in `queue` (at most `limit`), left where they are.
    public static func messages(_ queue: String, broker: AMQPConfiguration, limit: Int = 10_000) async throws -> [AMQPDelivery] {
        try await withMessages(queue, broker: broker, limit: limit) { deliveries, _ in deliveries }
    }
}
