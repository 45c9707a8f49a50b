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
}

extension StockStore {
    /// The lots an order's units were issued from, per SKU, in the order they were issued.
    public func issuedLots(order: String, in tx: PostgresTransaction) async throws -> [String: [(warehouse: String, lot: String, quantity: Int)]] {
        var lots: [String: [(String, String, Int)]] = [:]
        for row in try await tx.query(PostgresQuery(sql: """
            SELECT sku, warehouse, lot, -sum(quantity)::int FROM \(table).movements WHERE kind = 'issue' AND reference = $1
            GROUP BY sku, warehouse, lot ORDER BY min(id)
            """, binds: [order])) {
            lots[try row.decode(String.self, at: 0), default: []].append((
                try row.decode(String.self, at: 1), try row.decode(String.self, at: 2), try row.decode(Int.self, at: 3)))
        }
        return lots
    }

    /// Whether anything came back under this reference before.
    public func returned(reference: String, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(PostgresQuery(sql: """
            SELECT 1 FROM \(table).movements WHERE kind IN ('return', 'quarantine') AND reference = $1 LIMIT 1
            """, binds: [reference])).first != nil
    }
}
