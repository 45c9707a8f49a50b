import AMQP
import Contracts
import Foundation
import Messaging
import ServiceTestSupport

/// The warehouses and the carrier of the soak: every allocated order is shipped
/// (`warehouse.<w>.shipment.confirmed`, one parcel per warehouse) and every recorded
/// shipment delivered (`carrier.<c>.tracking.delivered`), through `erp.ingest` as the real
/// integrations send them. It reads a durable queue of its own and starts again after the
/// broker goes away, so no event is lost to it.
final class Warehouse: Sendable {
    static let queue = "soak.parcels"
    let broker: AMQPConfiguration
    let publisher: SoakPublisher
    let ledger: SoakLedger

    init(broker: AMQPConfiguration, publisher: SoakPublisher, ledger: SoakLedger) {
        (self.broker, self.publisher, self.ledger) = (broker, publisher, ledger)
    }

    func declare() async throws {
        let admin = try await AMQPConnection.connect(broker)
        try await admin.declareQueue(Self.queue, durable: true, autoDelete: false)
        for type in [OrderEvent.Allocated.type, OrderEvent.Shipped.type] {
            try await admin.bindQueue(Self.queue, to: Exchanges.events, routingKey: type.rawValue)
        }
        await admin.close()
    }

    /// Runs until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            guard let consumer = try? await AMQPConsumer.start(broker, queue: Self.queue, prefetch: 200) else {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            while !Task.isCancelled {
                guard let batch = try? await consumer.nextBatch(max: 100), let last = batch.last else { break }
                for delivery in batch {
                    // A redelivered event gets the same answer (a warehouse sends one confirmation per parcel).
                    guard let envelope = try? Envelope(delivery: delivery),
                        let answers = try? ParcelSimulator.answers(to: envelope, ingest: Exchanges.ingest, now: envelope.occurredAt)
                    else { continue }
                    for answer in answers {
                        let (_, accepted) = await publisher.publish(answer)
                        if accepted { await ledger.count(answer.routingKey.hasPrefix("carrier") ? "carrier delivered" : "warehouse shipped") }
                    }
                }
                consumer.ack(last, multiple: true)
            }
            await consumer.close()
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
