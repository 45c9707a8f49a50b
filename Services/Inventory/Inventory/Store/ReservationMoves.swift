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
                let take =
                    taken == share.quantity
                    ? "DELETE FROM \(table).reservations WHERE order_id = $1 AND line = $2 AND warehouse = $3"
                    : "UPDATE \(table).reservations SET quantity = quantity - $4 WHERE order_id = $1 AND line = $2 AND warehouse = $3"
                try await tx.query(
                    PostgresQuery(
                        unsafeSQL: """
                            WITH taken AS (\(take) RETURNING 1), given AS (
                                INSERT INTO \(table).reservations (order_id, line, sku, warehouse, quantity) VALUES ($5, $6, $7, $3, $4)
                                ON CONFLICT (order_id, line, warehouse) DO UPDATE SET quantity = reservations.quantity + EXCLUDED.quantity
                            )
                            INSERT INTO \(table).movements (kind, sku, warehouse, quantity, reference)
                            SELECT kind, $7, $3, quantity, reference FROM (VALUES ('release', -$4::int, $1), ('reservation', $4::int, $5)) AS m (kind, quantity, reference)
                            WHERE EXISTS (SELECT 1 FROM taken)
                            """, binds: [move.from, move.fromLine, share.warehouse, taken, move.to, move.toLine, share.sku]))
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
