import Contracts
import Foundation
import Postgres

/// Amendments of orders' lines (``OrderEvent/AmendmentRequested``): kept as pending until
/// the saga coordinator has them applied or refused; at most one pending per order.
extension OrderStore {
    public struct Amendment: Codable, Sendable, Equatable {
        public let id: Int64
        public let order: Int64
        public let what: String
        public let actor: String
        public let lines: [OrderSnapshot.Line]
        public let previous: [OrderSnapshot.Line]
        public let total: Money
        public let previousTotal: Money
        public let thenPaid: Bool
        public let status: String
        public let reason: String?
        public let invoice: String?
        public let open: Money?
        public let requestedAt: Date
    }

    public func pendingAmendment(_ order: Int64, in tx: PostgresTransaction) async throws -> Int64? {
        try await tx.query("SELECT id FROM \(identifier: schema).amendments WHERE order_id = \(order) AND status = 'pending'").first?.decode(
            Int64.self, at: 0)
    }

    public func requestAmendment(
        _ order: Int64, what: String, actor: String, lines: [OrderSnapshot.Line], previous: [OrderSnapshot.Line], total: Money, previousTotal: Money,
        thenPaid: Bool, in tx: PostgresTransaction
    ) async throws -> Int64 {
        let (lines, previous) = (try Self.json(lines), try Self.json(previous))
        return try await tx.query(
            """
            INSERT INTO \(identifier: schema).amendments (order_id, what, actor, lines, previous, total_minor, previous_total_minor, then_paid)
            VALUES (\(order), \(what), \(actor), \(lines)::jsonb, \(previous)::jsonb, \(total.minorUnits), \(previousTotal.minorUnits), \(thenPaid))
            RETURNING id
            """)[0].decode(Int64.self, at: 0)
    }

    /// The amendment, locked; nil if it is not this order's.
    public func amendment(_ id: Int64, order: Int64, in tx: PostgresTransaction) async throws -> Amendment? {
        try await amendments(
            """
            SELECT a.*, a.lines::text AS lines_json, a.previous::text AS previous_json, o.currency FROM \(identifier: schema).amendments a JOIN \(identifier: schema).orders o ON o.id = a.order_id
            WHERE a.id = \(id) AND a.order_id = \(order) FOR UPDATE OF a
            """, tx
        ).first
    }

    public func amendments(order: Int64, in tx: PostgresTransaction) async throws -> [Amendment] {
        try await amendments(
            """
            SELECT a.*, a.lines::text AS lines_json, a.previous::text AS previous_json, o.currency FROM \(identifier: schema).amendments a JOIN \(identifier: schema).orders o ON o.id = a.order_id
            WHERE a.order_id = \(order) ORDER BY a.id
            """, tx)
    }

    private func amendments(_ query: PostgresQuery, _ tx: PostgresTransaction) async throws -> [Amendment] {
        let decoder = MessageCoding.decoder()
        return try await tx.query(query).map { row in
            let currency = try Currency(code: try row.decode(String.self, column: "currency"))
            func money(_ column: String) throws -> Money? {
                try row.decode(Int64?.self, column: column).map { Money(minorUnits: $0, currency: currency) }
            }
            return Amendment(
                id: try row.decode(Int64.self, column: "id"), order: try row.decode(Int64.self, column: "order_id"),
                what: try row.decode(String.self, column: "what"), actor: try row.decode(String.self, column: "actor"),
                lines: try decoder.decode([OrderSnapshot.Line].self, from: Data(try row.decode(String.self, column: "lines_json").utf8)),
                previous: try decoder.decode([OrderSnapshot.Line].self, from: Data(try row.decode(String.self, column: "previous_json").utf8)),
                total: try money("total_minor")!, previousTotal: try money("previous_total_minor")!,
                thenPaid: try row.decode(Bool.self, column: "then_paid"),
                status: try row.decode(String.self, column: "status"), reason: try row.decode(String?.self, column: "reason"),
                invoice: try row.decode(String?.self, column: "invoice"), open: try money("open_minor"),
                requestedAt: try row.decode(Date.self, column: "requested_at"))
        }
    }

    /// Gives the order the amendment's lines (titles of lines kept are kept) and its new
    /// totals; what was allocated goes (a fulfilment that goes on allocates again).
    public func applyLines(_ order: Int64, _ lines: [OrderSnapshot.Line], in tx: PostgresTransaction) async throws {
        let numbers = lines.map(\.line)
        try await tx.query("DELETE FROM \(identifier: schema).allocations WHERE order_id = \(order)")
        try await tx.query("DELETE FROM \(identifier: schema).order_lines WHERE order_id = \(order) AND NOT (line = ANY(\(numbers)::int[]))")
        let (skus, quantities) = (lines.map(\.sku), lines.map(\.quantity))
        let (prices, discounts) = (lines.map(\.unitPrice.minorUnits), lines.map(\.discount.minorUnits))
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).order_lines (order_id, line, sku, title, quantity, unit_price_minor, discount_minor, total_minor)
            SELECT \(order), l.line, l.sku, s.title, l.quantity, l.unit_price, l.discount, l.quantity * l.unit_price - l.discount
            FROM unnest(\(numbers)::int[], \(skus)::text[], \(quantities)::int[], \(prices)::bigint[], \(discounts)::bigint[])
                AS l (line, sku, quantity, unit_price, discount)
            LEFT JOIN \(identifier: schema).skus s ON s.code = l.sku
            ON CONFLICT (order_id, line) DO UPDATE SET sku = EXCLUDED.sku, quantity = EXCLUDED.quantity, unit_price_minor = EXCLUDED.unit_price_minor,
                discount_minor = EXCLUDED.discount_minor, total_minor = EXCLUDED.total_minor,
                title = CASE WHEN order_lines.sku = EXCLUDED.sku THEN order_lines.title ELSE EXCLUDED.title END
            """)
        _ = try await recomputeTotals(order, in: tx)
    }

    public func decideAmendment(_ id: Int64, status: String, reason: String?, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            UPDATE \(identifier: schema).amendments SET status = \(status), reason = \(reason), decided_at = now() WHERE id = \(id)
            """)
    }

    public func settleAmendment(_ id: Int64, open: Money, invoice: String?, in tx: PostgresTransaction) async throws {
        try await tx.query("UPDATE \(identifier: schema).amendments SET open_minor = \(open.minorUnits), invoice = \(invoice) WHERE id = \(id)")
    }

    /// The state an order on hold resumes as.
    public func heldFrom(_ order: Int64, in tx: PostgresTransaction) async throws -> OrderStatus? {
        try await tx.query("SELECT held_from FROM \(identifier: schema).orders WHERE id = \(order)").first?
            .decode(String?.self, at: 0).flatMap(OrderStatus.init(rawValue:))
    }
}
