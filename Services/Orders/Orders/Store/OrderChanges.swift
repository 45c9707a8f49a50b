import Contracts
import Foundation
import Postgres

/// Changes to existing orders by command (operators, the saga coordinator), inside the
/// caller's transaction. The caller checks the state machine first.
extension OrderStore {
    public struct Locked: Sendable {
        public let id: Int64
        public let status: OrderStatus
        public let currency: Currency
        public let total: Money
    }

    public func lock(_ id: Int64, in tx: PostgresTransaction) async throws -> Locked? {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT status, currency, total_minor FROM \(s).orders WHERE id = $1 FOR UPDATE", binds: [id])
            ).first
        else { return nil }
        let currency = try Currency(code: try row.decode(String.self, column: "currency"))
        return Locked(
            id: id, status: try row.decode(OrderStatus.self, column: "status"), currency: currency,
            total: Money(minorUnits: try row.decode(Int64.self, column: "total_minor"), currency: currency))
    }

    public func setAddress(_ id: Int64, _ address: CanonicalOrder.Address, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).orders SET shipping_address = $2::jsonb, updated_at = now() WHERE id = $1",
                binds: [id, try Self.json(address)]))
    }

    public func setShippingMethod(_ id: Int64, _ method: String, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(unsafeSQL: "UPDATE \(s).orders SET shipping_method = $2, updated_at = now() WHERE id = $1", binds: [id, method]))
    }

    /// Recomputes the order's amounts from its lines; returns the new total.
    public func recomputeTotals(_ id: Int64, in tx: PostgresTransaction) async throws -> Int64 {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(s).orders o SET merchandise_minor = l.merchandise, discount_minor = l.discount,
                        total_minor = l.merchandise + o.shipping_fee_minor, updated_at = now()
                    FROM (SELECT coalesce(sum(total_minor), 0) AS merchandise, coalesce(sum(discount_minor), 0) AS discount
                          FROM \(s).order_lines WHERE order_id = $1) l
                    WHERE o.id = $1 RETURNING o.total_minor
                    """, binds: [id]))[0].decode(Int64.self, at: 0)
    }

    public func skuIsKnown(_ sku: String, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).skus WHERE code = $1 AND active", binds: [sku])).first != nil
    }

}

extension OrderStore {
    /// An order on hold will resume as `status` (a payment arrived while it waited).
    public func resumeInto(_ id: Int64, _ status: OrderStatus, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).orders SET held_from = $2 WHERE id = $1 AND status = 'on_hold'", binds: [id, status.rawValue]))
    }
}

extension OrderStore {
    /// Records a change (besides a status change) with the order as it now stands.
    public func recordChange(_ snapshot: OrderSnapshot, what: [String], actor: String, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(s).order_changes (order_id, what, snapshot, actor) VALUES ($1, $2::text[], $3::jsonb, $4)
                    """, binds: [snapshot.order, what, try Self.json(snapshot), actor]))
    }
}
