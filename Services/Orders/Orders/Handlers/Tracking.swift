import Contracts
import Foundation
import Ingest
import Messaging
import Postgres

/// Carriers' tracking events: each is matched to its shipment by tracking number and kept
/// once; `delivered` for every parcel of a shipped order makes it delivered; an `exception`
/// or `returned_to_sender` flags the order for a person. What cannot be matched is
/// quarantined with its reason, like any message from outside.
extension Intake {
    func takeTracking(_ message: IngestMessage, _ context: HandlerContext) async throws {
        let update = try TrackingUpdate.read(message, configuration: configuration)
        let tx = context.transaction
        let s = PostgresQuery.quoteIdentifier(orders.schema)
        var shipments = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT order_id, id, carrier FROM \(s).shipments WHERE tracking_number = $1 ORDER BY order_id, id
                    """, binds: [update.trackingNumber])
        ).map { (order: try $0.decode(Int64.self, at: 0), id: try $0.decode(String.self, at: 1), carrier: try $0.decode(String.self, at: 2)) }
        if shipments.count > 1 { shipments = shipments.filter { $0.carrier.lowercased() == update.carrier } }
        guard shipments.count == 1, let shipment = shipments.first else {
            throw IntakeRejection(
                shipments.isEmpty ? "unknown-shipment" : "ambiguous-shipment",
                shipments.isEmpty
                    ? "no shipment has tracking number \(PrintableText.of(update.trackingNumber))"
                    : "several shipments have tracking number \(update.trackingNumber) and none of them only with carrier \(update.carrier)")
        }
        guard let order = try await orders.lock(shipment.order, in: tx) else { throw IntakeRaceError() }
        let kept = try await tx.query(
            """
            INSERT INTO \(identifier: orders.schema).tracking_events
                (order_id, shipment, carrier, tracking_number, event, occurred_at, location, description)
            VALUES (\(order.id), \(shipment.id), \(update.carrier), \(update.trackingNumber), \(update.event.rawValue), \(update.occurredAt),
                \(update.location), \(update.description))
            ON CONFLICT DO NOTHING RETURNING id
            """)
        guard !kept.isEmpty else { return }  // the same event again
        let parcel = "\(shipment.id) (\(update.carrier) \(update.trackingNumber))"
        if update.event.needsAttention {
            let reason = "carrier reports \(update.event.rawValue) for shipment \(parcel)" + (update.description.map { ": \($0)" } ?? "")
            try await orders.flag(order.id, reason, in: tx)
            try await context.publish(event: OrderEvent.NeedsAttention(order: order.id, reason: reason))
            return
        }
        guard update.event == .delivered else { return }
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(s).shipments SET delivered_at = coalesce(delivered_at, $3) WHERE order_id = $1 AND id = $2
                    """, binds: [order.id, shipment.id, update.occurredAt]))
        // Delivered once every parcel of a fully shipped order is.
        let waiting = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(*)::int FROM \(s).shipments WHERE order_id = $1 AND delivered_at IS NULL
                    """, binds: [order.id]))[0].decode(Int.self, at: 0)
        guard order.status == .shipped, waiting == 0 else { return }
        try await move(
            order.id, from: .shipped, to: .delivered, reason: "delivered: every parcel, last \(parcel)", actor: "carrier:\(update.carrier)",
            order.total, context)
    }
}
