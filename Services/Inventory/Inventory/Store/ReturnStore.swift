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

    /// Puts returned units back (sellable) or into quarantine; returns the cost of a unit
    /// (the lot's, or `unitCost` for a lot new to the warehouse) and where they went: units of
    /// a recalled lot go to quarantine however they come back.
    @discardableResult
    public func returnToStock(
        reference: String, sku: String, warehouse: String, lot: String, quantity: Int, condition asked: InventoryCommand.ReturnCondition,
        unitCost: Money?, order: String? = nil, in tx: PostgresTransaction
    ) async throws -> (cost: Money, condition: InventoryCommand.ReturnCondition) {
        let condition = try await isRecalled(sku: sku, lot: lot, in: tx) ? .quarantine : asked
        let known = try await tx.query(
            PostgresQuery(
                unsafeSQL: "SELECT expiry::text, unit_cost_minor, currency FROM \(table).lots WHERE sku = $1 AND warehouse = $2 AND lot = $3",
                binds: [sku, warehouse, lot])
        ).first
        let cost: Money
        if let known {
            cost = Money(minorUnits: try known.decode(Int64.self, at: 1), currency: try Currency(code: try known.decode(String.self, at: 2)))
        } else if let unitCost {
            cost = unitCost
        } else {
            throw ReturnProblem.unknownLotNeedsCost(sku: sku, warehouse: warehouse, lot: lot)
        }
        switch condition {
        case .sellable:
            try await addToLot(
                "return", sku: sku, warehouse: warehouse, lot: lot,
                expiry: try known?.decode(String?.self, at: 0).map { try BusinessDate($0) }, unitCost: cost, quantity: quantity,
                reference: reference, order: order, in: tx)
        case .quarantine:
            try await tx.query(
                """
                INSERT INTO \(identifier: schema).quarantine (sku, warehouse, lot, quantity, unit_cost_minor, currency)
                VALUES (\(sku), \(warehouse), \(lot), \(quantity), \(cost.minorUnits), \(cost.currency.code))
                ON CONFLICT (sku, warehouse, lot) DO UPDATE SET quantity = quarantine.quantity + EXCLUDED.quantity,
                    unit_cost_minor = coalesce(quarantine.unit_cost_minor, EXCLUDED.unit_cost_minor),
                    currency = coalesce(quarantine.currency, EXCLUDED.currency)
                """)
            try await record("quarantine", sku: sku, warehouse: warehouse, lot: lot, quantity: quantity, reference: reference, order: order, in: tx)
        }
        return (cost, condition)
    }

    public func isRecalled(sku: String, lot: String, in tx: PostgresTransaction) async throws -> Bool {
        try await !tx.query("SELECT 1 FROM \(identifier: schema).recalled_lots WHERE sku = \(sku) AND lot = \(lot)").isEmpty
    }

    /// Takes inspected units out of quarantine: restocked into their lot (an adjustment of
    /// its on hand) or written off. Returns the cost of a unit they were quarantined at.
    public func releaseQuarantine(
        sku: String, warehouse: String, lot: String, quantity: Int, disposition: InventoryCommand.QuarantineDisposition, reason: String,
        in tx: PostgresTransaction
    ) async throws -> Money {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE \(table).quarantine SET quantity = quantity - $4
                        WHERE sku = $1 AND warehouse = $2 AND lot = $3 AND quantity >= $4
                        RETURNING unit_cost_minor, currency
                        """, binds: [sku, warehouse, lot, quantity])
            ).first
        else {
            throw AdjustmentRefusal(reason: "lot \(lot) of \(sku) in \(warehouse) has fewer than \(quantity) units in quarantine")
        }
        let known = try row.decode(Int64?.self, at: 0).map { minor in
            Money(minorUnits: minor, currency: try Currency(code: try row.decode(String.self, at: 1)))
        }
        try await record("quarantine", sku: sku, warehouse: warehouse, lot: lot, quantity: -quantity, reference: reason, in: tx)
        switch disposition {
        case .writeOff:
            if let known { return known }
            return try await lotCost(sku: sku, warehouse: warehouse, lot: lot, in: tx)
        case .restock:
            guard try await !isRecalled(sku: sku, lot: lot, in: tx) else {
                throw AdjustmentRefusal(reason: "lot \(lot) of \(sku) is recalled: its units cannot be restocked, only written off")
            }
            let cost = try await adjust(sku: sku, warehouse: warehouse, lot: lot, delta: quantity, reason: reason, in: tx)
            return known ?? cost
        }
    }

    func lotCost(sku: String, warehouse: String, lot: String, in tx: PostgresTransaction) async throws -> Money {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT unit_cost_minor, currency FROM \(table).lots WHERE sku = $1 AND warehouse = $2 AND lot = $3",
                    binds: [sku, warehouse, lot])
            ).first
        else { throw AdjustmentRefusal(reason: "lot \(lot) of \(sku) in \(warehouse) does not exist") }
        return Money(minorUnits: try row.decode(Int64.self, at: 0), currency: try Currency(code: try row.decode(String.self, at: 1)))
    }
}

extension StockStore {
    /// The lots an order's units were issued from, per SKU, in the order they were issued.
    public func issuedLots(order: String, in tx: PostgresTransaction) async throws -> [String: [(warehouse: String, lot: String, quantity: Int)]] {
        var lots: [String: [(String, String, Int)]] = [:]
        for row in try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT sku, warehouse, lot, -sum(quantity)::int FROM \(table).movements WHERE kind = 'issue' AND reference = $1
                    GROUP BY sku, warehouse, lot ORDER BY min(id)
                    """, binds: [order]))
        {
            lots[try row.decode(String.self, at: 0), default: []].append(
                (
                    try row.decode(String.self, at: 1), try row.decode(String.self, at: 2), try row.decode(Int.self, at: 3)
                ))
        }
        return lots
    }

    /// Whether anything came back under this reference before.
    public func returned(reference: String, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT 1 FROM \(table).movements WHERE kind IN ('return', 'quarantine') AND reference = $1 LIMIT 1
                    """, binds: [reference])
        ).first != nil
    }
}
