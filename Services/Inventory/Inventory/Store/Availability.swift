import Contracts
import Postgres

/// What commands check before they change stock: whether a warehouse is there, and what
/// is available to reserve (locked) for an order.
extension StockStore {
    /// Whether a warehouse exists and is active.
    public func warehouseIsActive(_ code: String, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "SELECT 1 FROM \(table).warehouses WHERE code = $1 AND active", binds: [code])
        ).first != nil
    }

    /// What allocation needs for an order, in one round trip: the reservations the order
    /// already holds, and the available stock of its SKUs in every active warehouse, locked
    /// in (SKU, warehouse) order so that allocation decides on figures nobody changes under it.
    public func lockAvailability(order: String, skus: [String], in tx: PostgresTransaction) async throws
        -> (held: [InventoryResult.Reservation], warehouses: [Allocation.Warehouse])
    {
        let rows = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH locked AS MATERIALIZED (
                        SELECT s.sku, s.warehouse, w.region, s.on_hand - s.reserved AS available
                        FROM \(table).stock s JOIN \(table).warehouses w ON w.code = s.warehouse
                        WHERE s.sku = ANY($1) AND w.active ORDER BY s.sku, s.warehouse FOR UPDATE OF s
                    )
                    SELECT false AS held, 0 AS line, sku, warehouse, region, available AS quantity FROM locked
                    UNION ALL
                    SELECT true, line, sku, warehouse, NULL, quantity FROM \(table).reservations WHERE order_id = $2
                    """, binds: [Array(Set(skus)).sorted(), order]))
        var regions: [String: String] = [:]
        var available: [String: [String: Int]] = [:]
        var held: [InventoryResult.Reservation] = []
        for row in rows {
            if try row.decode(Bool.self, column: "held") {
                held.append(
                    InventoryResult.Reservation(
                        line: try row.decode(Int.self, column: "line"), sku: try row.decode(String.self, column: "sku"),
                        warehouse: try row.decode(String.self, column: "warehouse"), quantity: try row.decode(Int.self, column: "quantity")))
                continue
            }
            let warehouse = try row.decode(String.self, column: "warehouse")
            regions[warehouse] = try row.decode(String.self, column: "region")
            available[warehouse, default: [:]][try row.decode(String.self, column: "sku")] = try row.decode(Int.self, column: "quantity")
        }
        return (
            held.sorted { ($0.line, $0.warehouse) < ($1.line, $1.warehouse) },
            available.keys.sorted().map { Allocation.Warehouse(code: $0, region: regions[$0]!, available: available[$0]!) }
        )
    }
}
