import Contracts
import Foundation
import Postgres

/// Transfers between warehouses: starting one takes the units out of the source's lots
/// (FEFO, ledger `transfer_out`) and keeps them, lot by lot with their cost, on the
/// transfer while in transit; receiving puts them into the destination's lots
/// (`transfer_in`), cancelling puts them back into the source's. Only an in-transit
/// transfer can be received or cancelled, once.
extension StockStore {
    public enum TransferProblem: Error, Equatable, CustomStringConvertible {
        case duplicate(String)
        case unknown(String)
        case notInTransit(String, status: String)
        case insufficient(sku: String, warehouse: String, wanted: Int, available: Int)

        public var description: String {
            switch self {
            case .duplicate(let id): return "transfer \(id) already exists"
            case .unknown(let id): return "no transfer \(id)"
            case .notInTransit(let id, let status): return "transfer \(id) is \(status), not in transit"
            case .insufficient(let sku, let warehouse, let wanted, let available):
                return "cannot transfer \(wanted) of \(sku) from \(warehouse): \(available) available"
            }
        }
    }

    public func startTransfer(
        id: String, sku: String, from: String, to: String, quantity: Int, today: BusinessDate, in tx: PostgresTransaction
    ) async throws -> [InventoryResult.IssuedLot] {
        let created = try await tx.query(
            """
            INSERT INTO \(identifier: schema).transfers (id, sku, from_warehouse, to_warehouse, quantity, status)
            VALUES (\(id), \(sku), \(from), \(to), \(quantity), 'in_transit') ON CONFLICT (id) DO NOTHING
            """)
        guard created.affectedRows == 1 else { throw TransferProblem.duplicate(id) }
        let updated = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(table).stock SET on_hand = on_hand - $3 WHERE sku = $1 AND warehouse = $2 AND on_hand - reserved >= $3
                    """, binds: [sku, from, quantity]))
        guard updated.affectedRows == 1 else {
            let level = try await level(sku: sku, warehouse: from, in: tx)
            throw TransferProblem.insufficient(sku: sku, warehouse: from, wanted: quantity, available: level.available)
        }
        let lots = try await lockedLots(sku: sku, warehouse: from, in: tx)
        let picks: [FEFO.Pick]
        do { picks = try FEFO.pick(quantity, from: lots.map(\.lot), today: today.startOfDayUTC) } catch {
            throw TransferProblem.insufficient(sku: sku, warehouse: from, wanted: quantity, available: lots.reduce(0) { $0 + $1.lot.quantity })
        }
        var moved: [InventoryResult.IssuedLot] = []
        for pick in picks {
            let lot = lots.first { $0.lot.code == pick.lot }!
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: "UPDATE \(table).lots SET on_hand = on_hand - $4 WHERE sku = $1 AND warehouse = $2 AND lot = $3",
                    binds: [sku, from, pick.lot, pick.quantity]))
            try await tx.query(
                """
                INSERT INTO \(identifier: schema).transfer_lots (transfer_id, lot, expiry, unit_cost_minor, currency, quantity)
                VALUES (\(id), \(pick.lot), \(lot.expiry?.description)::date, \(pick.unitCost), \(lot.currency.code), \(pick.quantity))
                """)
            try await record("transfer_out", sku: sku, warehouse: from, lot: pick.lot, quantity: -pick.quantity, reference: id, in: tx)
            moved.append(
                InventoryResult.IssuedLot(
                    sku: sku, warehouse: from, lot: pick.lot, quantity: pick.quantity,
                    unitCost: Money(minorUnits: pick.unitCost, currency: lot.currency)))
        }
        return moved
    }

    /// Ends an in-transit transfer: `received` into its destination, else back into its source.
    public func finishTransfer(id: String, received: Bool, in tx: PostgresTransaction) async throws
        -> (transfer: InventoryEvent.TransferChanged, lots: [InventoryResult.IssuedLot])
    {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT sku, from_warehouse, to_warehouse, quantity, status FROM \(table).transfers WHERE id = $1 FOR UPDATE",
                    binds: [id])
            ).first
        else { throw TransferProblem.unknown(id) }
        let status = try row.decode(String.self, column: "status")
        guard status == "in_transit" else { throw TransferProblem.notInTransit(id, status: status) }
        let sku = try row.decode(String.self, column: "sku")
        let from = try row.decode(String.self, column: "from_warehouse"), to = try row.decode(String.self, column: "to_warehouse")
        let target = received ? to : from
        let lots = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT lot, expiry::text AS expiry, unit_cost_minor, currency, quantity FROM \(table).transfer_lots
                    WHERE transfer_id = $1 ORDER BY lot
                    """, binds: [id]))
        var moved: [InventoryResult.IssuedLot] = []
        for lot in lots {
            let code = try lot.decode(String.self, column: "lot"), quantity = try lot.decode(Int.self, column: "quantity")
            let cost = Money(
                minorUnits: try lot.decode(Int64.self, column: "unit_cost_minor"),
                currency: try Currency(code: try lot.decode(String.self, column: "currency")))
            try await addToLot(
                "transfer_in", sku: sku, warehouse: target, lot: code,
                expiry: try lot.decode(String?.self, column: "expiry").map { try BusinessDate($0) }, unitCost: cost,
                quantity: quantity, reference: id, in: tx)
            moved.append(InventoryResult.IssuedLot(sku: sku, warehouse: target, lot: code, quantity: quantity, unitCost: cost))
        }
        let newStatus = received ? "received" : "cancelled"
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(table).transfers SET status = $2, closed_at = now() WHERE id = $1", binds: [id, newStatus]))
        return (
            InventoryEvent.TransferChanged(
                transfer: id, sku: sku, from: from, to: to, quantity: try row.decode(Int.self, column: "quantity"), status: newStatus), moved
        )
    }

    struct LockedLot {
        let lot: FEFO.Lot
        let expiry: BusinessDate?
        let currency: Currency
    }

    /// The lots of a SKU in a warehouse that hold units, locked.
    func lockedLots(sku: String, warehouse: String, in tx: PostgresTransaction) async throws -> [LockedLot] {
        let rows = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT lot, expiry::text AS expiry, received_at, on_hand, unit_cost_minor, currency FROM \(table).lots
                    WHERE sku = $1 AND warehouse = $2 AND on_hand > 0
                      AND NOT EXISTS (SELECT 1 FROM \(table).recalled_lots r WHERE r.sku = lots.sku AND r.lot = lots.lot)
                    ORDER BY lot FOR UPDATE
                    """, binds: [sku, warehouse]))
        return try rows.map { row in
            let expiry = try row.decode(String?.self, column: "expiry").map { try BusinessDate($0) }
            return LockedLot(
                lot: FEFO.Lot(
                    code: try row.decode(String.self, column: "lot"), expiry: expiry?.startOfDayUTC,
                    receivedAt: try row.decode(Date.self, column: "received_at"), quantity: try row.decode(Int.self, column: "on_hand"),
                    unitCost: try row.decode(Int64.self, column: "unit_cost_minor")),
                expiry: expiry, currency: try Currency(code: try row.decode(String.self, column: "currency")))
        }
    }
}
