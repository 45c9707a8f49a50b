import Contracts
import Postgres

/// Returns from customers: sellable units go back into a lot of the warehouse (ledger
/// `return`, part of on hand); the others into quarantine (ledger `quarantine`, not
/// available, not on hand) until someone inspects them.
extension StockStore {
    public enum ReturnProblem: Error, Equatable, CustomStringConvertible {
        case unknownLotNeedsCost(sku: String, warehouse: String, lot: String)
        public var description: String {
            switch self {
            case .unknownLotNeedsCost(let sku, let warehouse, let lot):
                return "lot \(lot) of \(sku) is not known in \(warehouse): give the unit cost of the returned units"
            }
        }
    }

    public func returnToStock(
        reference: String, sku: String, warehouse: String, lot: String, quantity: Int, condition: InventoryCommand.ReturnCondition,
        unitCost: Money?, in tx: PostgresTransaction
    ) async throws {
        switch condition {
        case .sellable:
            let known = try await tx.query(PostgresQuery(
                sql: "SELECT expiry::text, unit_cost_minor, currency FROM \(table).lots WHERE sku = $1 AND warehouse = $2 AND lot = $3",
                binds: [sku, warehouse, lot])).first
            let cost: Money
            if let known {
                cost = Money(minorUnits: try known.decode(Int64.self, at: 1), currency: try Currency(code: try known.decode(String.self, at: 2)))
            } else if let unitCost {
                cost = unitCost
            } else {
                throw ReturnProblem.unknownLotNeedsCost(sku: sku, warehouse: warehouse, lot: lot)
            }
            try await addToLot(
                "return", sku: sku, warehouse: warehouse, lot: lot,
                expiry: try known?.decode(String?.self, at: 0).map { try BusinessDate($0) }, unitCost: cost, quantity: quantity,
                reference: reference, in: tx)
        case .quarantine:
            try await tx.query(PostgresQuery(sql: """
                INSERT INTO \(table).quarantine (sku, warehouse, lot, quantity) VALUES ($1, $2, $3, $4)
                ON CONFLICT (sku, warehouse, lot) DO UPDATE SET quantity = quarantine.quantity + EXCLUDED.quantity
                """, binds: [sku, warehouse, lot, quantity]))
            try await record("quarantine", sku: sku, warehouse: warehouse, lot: lot, quantity: quantity, reference: reference, in: tx)
        }
    }

    /// Whether a warehouse exists and is active.
    public func warehouseIsActive(_ code: String, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(PostgresQuery(
            sql: "SELECT 1 FROM \(table).warehouses WHERE code = $1 AND active", binds: [code])).first != nil
    }

    /// What allocation needs for an order, in one round trip: the reservations the order
    /// already holds, and the available stock of its SKUs in every active warehouse, locked
    /// in (SKU, warehouse) order so that allocation decides on figures nobody changes under it.
    public func lockAvailability(order: String, skus: [String], in tx: PostgresTransaction) async throws
        -> (held: [InventoryResult.Reservation], warehouses: [Allocation.Warehouse])
    {
        let rows = try await tx.query(PostgresQuery(sql: """
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
                held.append(InventoryResult.Reservation(
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
