import Contracts
import Foundation
import Postgres

/// Recalled lots: what is left of one goes to quarantine (out of on hand, at the lot's cost);
/// reservations its units had covered are released, newest orders first.
extension StockStore {
    public struct RecalledUnits: Sendable, Equatable {
        public let sku: String
        public let warehouse: String
        public let quantity: Int
        public let unitCost: Money
    }

    /// The SKUs that have a lot of this code (`sku` alone if given and it has one).
    public func skus(withLot lot: String, sku: String?, in tx: PostgresTransaction) async throws -> [String] {
        try await tx.query(
            "SELECT DISTINCT sku FROM \(identifier: schema).lots WHERE lot = \(lot) AND (\(sku)::text IS NULL OR sku = \(sku)) ORDER BY sku"
        ).map { try $0.decode(String.self, at: 0) }
    }

    /// Marks the lot of each SKU recalled; false if one of them was recalled before.
    public func markRecalled(skus: [String], lot: String, reason: String, in tx: PostgresTransaction) async throws -> Bool {
        let inserted = try await tx.query(
            """
            INSERT INTO \(identifier: schema).recalled_lots (sku, lot, reason) SELECT unnest(\(skus)::text[]), \(lot), \(reason)
            ON CONFLICT (sku, lot) DO NOTHING
            """
        ).affectedRows
        return inserted == skus.count
    }

    /// Moves what is left of the lot in every warehouse into quarantine. Reservations that
    /// would then exceed what is on hand are released, newest orders first; returns the units
    /// moved and the orders released.
    public func quarantineRecalled(skus: [String], lot: String, reason: String, in tx: PostgresTransaction) async throws
        -> (units: [RecalledUnits], released: [(order: String, units: Int, skus: [String])])
    {
        let rows = try await tx.query(
            """
            SELECT l.sku, l.warehouse, l.on_hand, l.unit_cost_minor, l.currency FROM \(identifier: schema).lots l
            WHERE l.lot = \(lot) AND l.sku = ANY(\(skus)::text[]) AND l.on_hand > 0 ORDER BY l.sku, l.warehouse FOR UPDATE
            """)
        var units: [RecalledUnits] = []
        var released: [(order: String, units: Int, skus: [String])] = []
        for row in rows {
            let sku = try row.decode(String.self, column: "sku"), warehouse = try row.decode(String.self, column: "warehouse")
            let quantity = try row.decode(Int.self, column: "on_hand")
            let cost = Money(
                minorUnits: try row.decode(Int64.self, column: "unit_cost_minor"),
                currency: try Currency(code: try row.decode(String.self, column: "currency")))
            // Reservations are per SKU and warehouse: release the newest orders' until what stays covers them.
            while true {
                let stock = try await tx.query(
                    "SELECT on_hand, reserved FROM \(identifier: schema).stock WHERE sku = \(sku) AND warehouse = \(warehouse) FOR UPDATE")[0]
                guard try stock.decode(Int.self, at: 1) > (try stock.decode(Int.self, at: 0)) - quantity else { break }
                guard
                    let order = try await tx.query(
                        """
                        SELECT order_id FROM \(identifier: schema).reservations WHERE sku = \(sku) AND warehouse = \(warehouse)
                        ORDER BY created_at DESC, order_id DESC LIMIT 1
                        """
                    ).first?.decode(String.self, at: 0)
                else { break }
                let freed = try await release(order: order, in: tx)
                released.append((order, freed.units, freed.skus))
            }
            try await tx.queue("UPDATE \(identifier: schema).lots SET on_hand = 0 WHERE sku = \(sku) AND warehouse = \(warehouse) AND lot = \(lot)")
            try await tx.queue(
                "UPDATE \(identifier: schema).stock SET on_hand = on_hand - \(quantity) WHERE sku = \(sku) AND warehouse = \(warehouse)")
            try await tx.queue(
                """
                INSERT INTO \(identifier: schema).quarantine (sku, warehouse, lot, quantity, unit_cost_minor, currency)
                VALUES (\(sku), \(warehouse), \(lot), \(quantity), \(cost.minorUnits), \(cost.currency.code))
                ON CONFLICT (sku, warehouse, lot) DO UPDATE SET quantity = quarantine.quantity + EXCLUDED.quantity,
                    unit_cost_minor = coalesce(quarantine.unit_cost_minor, EXCLUDED.unit_cost_minor),
                    currency = coalesce(quarantine.currency, EXCLUDED.currency)
                """)
            let why = "recall: \(reason)"
            try await record("adjustment", sku: sku, warehouse: warehouse, lot: lot, quantity: -quantity, reference: why, in: tx)
            try await record("quarantine", sku: sku, warehouse: warehouse, lot: lot, quantity: quantity, reference: why, in: tx)
            units.append(RecalledUnits(sku: sku, warehouse: warehouse, quantity: quantity, unitCost: cost))
        }
        return (units, released)
    }

    /// The orders issued units of the lot (issues before lot trace name their order as the reference).
    public func ordersIssued(skus: [String], lot: String, in tx: PostgresTransaction) async throws -> [String] {
        try await tx.query(
            """
            SELECT DISTINCT coalesce(order_ref, reference) FROM \(identifier: schema).movements
            WHERE lot = \(lot) AND sku = ANY(\(skus)::text[]) AND kind = 'issue' ORDER BY 1
            """
        ).map { try $0.decode(String.self, at: 0) }
    }
}
