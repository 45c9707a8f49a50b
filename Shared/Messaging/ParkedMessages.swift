import AMQP
import Foundation

/// A message in a parking queue, as operators see it.
public struct ParkedMessage: Sendable, Codable, Equatable {
    /// The message id (`-` if it had none).
    public var id: String
    /// The service queue it failed in.
    public var queue: String
    public var type: String
    /// Why: `undecodable`, `unknown-type`, `validation`, `retries-exhausted`, `delivery-limit`...
    public var error: String
    public var detail: String
    public var failedAt: String
    public var attempts: Int
    public var originalRoutingKey: String
    public var service: String
    public var bodyBytes: Int
    /// How many copies of it the parking queue holds. Parking is publish, then acknowledge:
    /// a delivery whose acknowledgement was lost (the instance killed, the broker restarted,
    /// the consumer timed out) is parked again when it comes back; the copies are listed as
    /// one and replayed once (found by the chaos soak).
    public var copies: Int = 1
}

/// Lists, replays and purges parking queues (`<queue>.parked`). Listing takes the messages
/// without acknowledging them and closes, so they all go back to the queue; replaying
/// sends the chosen ones back to the queue they failed in (default exchange, with the
/// failure headers removed), confirmed, and only then removes them from the parking queue.
public enum ParkedMessages {
    public static func parkingQueue(of queue: String) -> String { "\(queue).parked" }

    public static func list(parkingQueue: String, broker: AMQPConfiguration, limit: Int = 10_000) async throws -> [ParkedMessage] {
        try await withParked(parkingQueue, broker: broker, limit: limit) { deliveries, _ in
            var listed: [ParkedMessage] = []
            var seen: [String: Int] = [:]
            for parked in deliveries.map({ describe($0, parkingQueue: parkingQueue) }) {
                guard let key = copyKey(parked) else {
                    listed.append(parked)
                    continue
                }
                if let index = seen[key] {
                    listed[index].copies += 1
                } else {
                    seen[key] = listed.count
                    listed.append(parked)
                }
            }
            return listed
        }
    }

    /// Copies of one parked message share its id and queue (a message without an id is its own).
    static func copyKey(_ parked: ParkedMessage) -> String? { parked.id == "-" ? nil : parked.queue + "\u{0}" + parked.id }

    /// Replays the parked messages that `matching` selects; returns how many went back.
    public static func replay(
        parkingQueue: String, broker: AMQPConfiguration, matching: @escaping @Sendable (ParkedMessage) -> Bool
    ) async throws -> Int {
        let publisher = try await AMQPPublisher.connect(broker, reconnect: false)
        do {
            let count = try await withParked(parkingQueue, broker: broker, limit: 100_000) { deliveries, consumer in
                var replayed = 0
                var sent = Set<String>()
                for delivery in deliveries {
                    let parked = describe(delivery, parkingQueue: parkingQueue)
                    guard matching(parked) else { continue }
                    // A copy of one replayed already goes away with it.
                    if let key = copyKey(parked), sent.contains(key) {
                        consumer.ack(delivery)
                        continue
                    }
                    var properties = delivery.properties
                    for header in [
                        MessageHeaders.error, MessageHeaders.errorDetail, MessageHeaders.failedAt, MessageHeaders.attempt,
                        MessageHeaders.service, MessageHeaders.queue, MessageHeaders.originalExchange,
                        MessageHeaders.originalRoutingKey, "x-death", "x-first-death-exchange", "x-first-death-queue",
                        "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason",
                        "x-delivery-count",
                    ] {
                        properties.headers[header] = nil
                    }
                    // An unroutable message goes back to where it was published, for the queue
                    // bound there since; a parked one to the queue it failed in.
                    let unroutable = parkingQueue == Exchanges.internalUnrouted
                    let (exchange, key) = unroutable ? (delivery.exchange, delivery.routingKey) : ("", parked.queue)
                    let outcome = try await publisher.publish(
                        AMQPMessage(exchange: exchange, routingKey: key, body: delivery.body, properties: properties, mandatory: true))
                    guard outcome == .confirmed else {
                        let target = unroutable ? "still no queue is bound for \(exchange) \(key)" : "queue \(parked.queue) did not take it"
                        throw AMQPError(code: .notFound, message: "replaying message \(parked.id): \(target) (\(outcome))")
                    }
                    consumer.ack(delivery)
                    replayed += 1
                    if let key = copyKey(parked) { sent.insert(key) }
                }
                return replayed
            }
            await publisher.close()
            return count
        } catch {
            await publisher.close()
            throw error
        }
    }

    /// Removes every message from a parking queue; returns how many.
    public static func purge(parkingQueue: String, broker: AMQPConfiguration) async throws -> Int {
        let connection = try await AMQPConnection.connect(broker)
        do {
            let count = try await connection.purgeQueue(parkingQueue)
            await connection.close()
            return count
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Takes the messages now in the parking queue (up to `limit`), hands them to `body`, and
    /// closes the consumer: what `body` did not ack goes back to the queue.
    private static func withParked<T: Sendable>(
        _ parkingQueue: String, broker: AMQPConfiguration, limit: Int,
        _ body: ([AMQPDelivery], AMQPConsumer) async throws -> T
    ) async throws -> T {
        try await QueuePeek.withMessages(parkingQueue, broker: broker, limit: limit, body)
    }

    static func describe(_ delivery: AMQPDelivery, parkingQueue: String) -> ParkedMessage {
        let headers = delivery.properties.headers
        // Caught by the alternate exchange of erp.events / erp.commands: no queue was bound.
        if parkingQueue == Exchanges.internalUnrouted {
            return ParkedMessage(
                id: delivery.properties.messageID ?? "-", queue: parkingQueue, type: delivery.properties.type ?? "-", error: "unroutable",
                detail: "published to \(delivery.exchange) with routing key \(delivery.routingKey); no queue was bound for it",
                failedAt: delivery.properties.timestamp.map { ISO8601DateFormatter().string(from: $0) } ?? "-", attempts: 0,
                originalRoutingKey: delivery.routingKey, service: delivery.properties.appID ?? "-", bodyBytes: delivery.body.count)
        }
        var queue = headers[MessageHeaders.queue]?.stringValue
        var error = headers[MessageHeaders.error]?.stringValue
        var detail = headers[MessageHeaders.errorDetail]?.stringValue ?? ""
        // Parked by the broker (delivery limit): the reason is in x-death.
        if error == nil, case .array(let deaths)? = headers["x-death"], case .table(let death)? = deaths.first {
            error = death["reason"]?.stringValue.map { $0 == "delivery_limit" ? "delivery-limit" : $0 }
            queue = queue ?? death["queue"]?.stringValue
            // x-death's count is how often it was dead-lettered; x-delivery-count (quorum
            // queues) how often it was redelivered before that.
            let redeliveries = headers["x-delivery-count"]?.intValue
            detail =
                "dead-lettered by the broker (\(error ?? "unknown reason"))"
                + (redeliveries.map { " after \($0 + 1) deliveries" } ?? " \(death["count"]?.intValue ?? 1) time(s)")
        }
        let fallbackQueue = parkingQueue.hasSuffix(".parked") ? String(parkingQueue.dropLast(".parked".count)) : parkingQueue
        return ParkedMessage(
            id: delivery.properties.messageID ?? "-", queue: queue ?? fallbackQueue, type: delivery.properties.type ?? "-",
            error: error ?? "unknown", detail: detail, failedAt: headers[MessageHeaders.failedAt]?.stringValue ?? "-",
            attempts: Int(headers[MessageHeaders.attempt]?.intValue ?? 0),
            originalRoutingKey: headers[MessageHeaders.originalRoutingKey]?.stringValue ?? delivery.routingKey,
            service: headers[MessageHeaders.service]?.stringValue ?? "-", bodyBytes: delivery.body.count)
    }
}
