import Contracts
import Postgres

/// Reserved units changing hands between orders (a split or a merge): the units stay in
/// their warehouse, so the stock's reserved total does not change; the ledger records a
/// release from one order and a reservation for the other.
extension StockStore {
    public struct MoveProblem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Makes the moves; false if none of the orders moved from held anything. Throws
    /// ``MoveProblem`` when an order holds some reservation but not what a move asks.
    public func move(_ moves: [InventoryCommand.MoveReservations.Move], in tx: PostgresTransaction) async throws -> Bool {
        let sources = Array(Set(moves.map(\.from))).sorted()
        let held = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT order_id, line, sku, warehouse, quantity FROM \(table).reservations WHERE order_id = ANY($1::text[])
                    ORDER BY order_id, line, warehouse FOR UPDATE
                    """, binds: [sources]))
        struct Key: Hashable { let order: String, line: Int }
        var rows: [Key: [(sku: String, warehouse: String, quantity: Int)]] = [:]
        for row in held {
            rows[Key(order: try row.decode(String.self, column: "order_id"), line: try row.decode(Int.self, column: "line")), default: []].append(
                (
                    try row.decode(String.self, column: "sku"), try row.decode(String.self, column: "warehouse"),
                    try row.decode(Int.self, column: "quantity")
                ))
        }
        let holding = Set(rows.keys.map(\.order))
        guard !holding.isEmpty else { return false }
        if let empty = sources.first(where: { !holding.contains($0) }) {
            throw MoveProblem(description: "order \(empty) holds no reservation while \(holding.sorted().joined(separator: ", ")) do")
        }
        for move in moves {
            guard move.quantity > 0 else { throw MoveProblem(description: "a move takes at least one unit (line \(move.fromLine) of \(move.from))") }
            var wanted = move.quantity
            let key = Key(order: move.from, line: move.fromLine)
            for (index, share) in (rows[key] ?? []).enumerated()
            where wanted > 0 && share.quantity > 0 && (move.warehouse == nil || move.warehouse == share.warehouse) {
                let taken = min(wanted, share.quantity)
                rows[key]![index].quantity -= taken
                wanted -= taken
                // The whole share goes (the row is deleted) or part of it (the row is lowered).
                let whole = taken == share.quantity
                try await tx.query(
                    """
                    WITH share AS (
                        SELECT \(move.from)::text AS from_order, \(move.fromLine)::int AS from_line, \(share.warehouse)::text AS warehouse,
                            \(taken)::int AS quantity, \(move.to)::text AS to_order, \(move.toLine)::int AS to_line, \(share.sku)::text AS sku
                    ), deleted AS (
                        DELETE FROM \(identifier: schema).reservations r USING share s
                        WHERE \(whole) AND r.order_id = s.from_order AND r.line = s.from_line AND r.warehouse = s.warehouse RETURNING 1
                    ), lowered AS (
                        UPDATE \(identifier: schema).reservations r SET quantity = r.quantity - s.quantity FROM share s
                        WHERE NOT \(whole) AND r.order_id = s.from_order AND r.line = s.from_line AND r.warehouse = s.warehouse RETURNING 1
                    ), given AS (
                        INSERT INTO \(identifier: schema).reservations (order_id, line, sku, warehouse, quantity)
                        SELECT to_order, to_line, sku, warehouse, quantity FROM share
                        ON CONFLICT (order_id, line, warehouse) DO UPDATE SET quantity = reservations.quantity + EXCLUDED.quantity
                    )
                    INSERT INTO \(identifier: schema).movements (kind, sku, warehouse, quantity, reference)
                    SELECT m.kind, s.sku, s.warehouse, m.quantity, m.reference
                    FROM share s, LATERAL (VALUES ('release', -s.quantity, s.from_order), ('reservation', s.quantity, s.to_order))
                        AS m (kind, quantity, reference)
                    WHERE EXISTS (SELECT 1 FROM deleted UNION ALL SELECT 1 FROM lowered)
                    """)
            }
            guard wanted == 0 else {
                let place = move.warehouse.map { " in \($0)" } ?? ""
                throw MoveProblem(
                    description:
                        "order \(move.from) line \(move.fromLine) holds \(move.quantity - wanted) of the \(move.quantity) units to move\(place)")
            }
        }
        return true
    }

    /// The reservations each of these orders holds.
    public func reservations(orders: [String], in tx: PostgresTransaction) async throws -> [String: [InventoryResult.Reservation]] {
        var result = Dictionary(uniqueKeysWithValues: orders.map { ($0, [InventoryResult.Reservation]()) })
        for row in try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT order_id, line, sku, warehouse, quantity FROM \(table).reservations WHERE order_id = ANY($1::text[]) ORDER BY order_id, line, warehouse
                    """, binds: [orders]))
        {
            result[try row.decode(String.self, column: "order_id"), default: []].append(
                InventoryResult.Reservation(
                    line: try row.decode(Int.self, column: "line"), sku: try row.decode(String.self, column: "sku"),
                    warehouse: try row.decode(String.self, column: "warehouse"), quantity: try row.decode(Int.self, column: "quantity")))
        }
        return result
    }
}
