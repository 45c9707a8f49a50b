import AMQP
import Contracts
import Foundation
import Messaging

/// A warehouse system and a carrier, simulated through the same messages real ones send:
/// for every `orders.order.allocated.v1` it confirms one parcel per warehouse with
/// `warehouse.<warehouse>.shipment.confirmed` on the ingest exchange, and (with
/// `deliver`) for every `orders.order.shipment_recorded.v1` it reports the parcel delivered
/// with `carrier.<carrier>.tracking.delivered`. For tests and the end-to-end benchmark.
public final class ParcelSimulator: Sendable {
    let consumer: AMQPConsumer
    let publisher: AMQPPublisher
    let queue: String
    let broker: AMQPConfiguration
    let task: Task<Void, Never>

    /// Starts consuming a queue of its own (`<tag>.parcels`) bound to `events`; publishes to `ingest`.
    public static func start(broker: AMQPConfiguration, events: String, ingest: String, tag: String, deliver: Bool = false) async throws
        -> ParcelSimulator
    {
        let queue = "\(tag).parcels"
        let admin = try await AMQPConnection.connect(broker)
        try await admin.declareQueue(queue, durable: false, autoDelete: false)
        try await admin.bindQueue(queue, to: events, routingKey: OrderEvent.Allocated.type.rawValue)
        if deliver { try await admin.bindQueue(queue, to: events, routingKey: OrderEvent.Shipped.type.rawValue) }
        await admin.close()
        let consumer = try await AMQPConsumer.start(broker, queue: queue, prefetch: 500)
        let publisher = try await AMQPPublisher.connect(broker, window: 256)
        let task = Task { await Self.run(consumer, publisher, ingest: ingest) }
        return ParcelSimulator(consumer: consumer, publisher: publisher, queue: queue, broker: broker, task: task)
    }

    init(consumer: AMQPConsumer, publisher: AMQPPublisher, queue: String, broker: AMQPConfiguration, task: Task<Void, Never>) {
        (self.consumer, self.publisher, self.queue, self.broker, self.task) = (consumer, publisher, queue, broker, task)
    }

    public func stop() async {
        task.cancel()
        await consumer.close()
        await publisher.close()
        if let admin = try? await AMQPConnection.connect(broker) {
            _ = try? await admin.deleteQueue(queue)
            await admin.close()
        }
    }

    /// The messages a warehouse and a carrier send for one event.
    public static func answers(to envelope: Envelope, ingest: String, now: Date = Date()) throws -> [AMQPMessage] {
        let shippedAt = now.formatted(.iso8601)
        func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
        switch envelope.type {
        case OrderEvent.Allocated.type:
            let allocated = try MessageCoding.decoder().decode(OrderEvent.Allocated.self, from: envelope.payload)
            return try Dictionary(grouping: allocated.allocations, by: \.warehouse).sorted { $0.key < $1.key }.map { warehouse, lines in
                let body = try json([
                    "order": allocated.order, "shipment_id": "P-\(allocated.order)-\(warehouse)", "carrier": "sim",
                    "tracking_number": "SIM-\(allocated.order)-\(warehouse)", "shipped_at": shippedAt,
                    "lines": lines.sorted { $0.line < $1.line }.map { ["line": $0.line, "quantity": $0.quantity] },
                ])
                return AMQPMessage(
                    exchange: ingest, routingKey: "warehouse.\(warehouse).shipment.confirmed", body: body,
                    properties: AMQPProperties(contentType: "application/json", persistent: true))
            }
        case OrderEvent.Shipped.type:
            let shipped = try MessageCoding.decoder().decode(OrderEvent.Shipped.self, from: envelope.payload)
            let body = try json(["tracking_number": shipped.trackingNumber, "occurred_at": shippedAt, "description": "delivered (simulated)"])
            return [
                AMQPMessage(
                    exchange: ingest, routingKey: "carrier.\(shipped.carrier).tracking.delivered", body: body,
                    properties: AMQPProperties(contentType: "application/json", persistent: true))
            ]
        default:
            return []
        }
    }

    static func run(_ consumer: AMQPConsumer, _ publisher: AMQPPublisher, ingest: String) async {
        while !Task.isCancelled {
            guard let batch = try? await consumer.nextBatch(max: 200), let last = batch.last else { return }
            let messages = batch.flatMap { delivery in (try? answers(to: Envelope(delivery: delivery), ingest: ingest)) ?? [] }
            _ = await publisher.publish(batch: messages)
            _ = consumer.ack(last, multiple: true)
        }
    }
}
