import Contracts
import Foundation
import Postgres

/// Stock changes in the inventory schema, inside the caller's transaction. Every change
/// is a conditional update checked by row count and backed by CHECK constraints, and is
/// written to the movement ledger.
public struct StockStore: Sendable {
    public let schema: String

    public init(schema: String = "inventory") { self.schema = schema }

    /// Why a reservation was refused; nothing of it was kept.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let sku: String
        public let warehouse: String
        public let wanted: Int
        public let available: Int
        public init(sku: String, warehouse: String, wanted: Int, available: Int) {
            self.sku = sku
            self.warehouse = warehouse
            self.wanted = wanted
            self.available = available
        }
        public var description: String {
            "cannot reserve \(wanted) of \(sku) in \(warehouse): \(available) available"
        }
    }

    /// One line's share from one warehouse (from ``Allocation``).
    public struct ReservationLine: Sendable, Equatable {
        public let line: Int
        public let sku: String
        public let warehouse: String
        public let quantity: Int
        public init(line: Int, sku: String, warehouse: String, quantity: Int) {
            self.line = line
            self.sku = sku
            self.warehouse = warehouse
            self.quantity = quantity
        }
    }

    private var table: String { PostgresQuery.quoteIdentifier(schema) }

    public func addWarehouse(code: String, name: String, region: String, in tx: PostgresTransaction) async throws {
        try await tx.query(PostgresQuery(
            sql: "INSERT INTO \(table).warehouses (code, name, region) VALUES ($1, $2, $3)", binds: [code, name, region]))
    }

    /// Receives `quantity` units into a lot (created if new) and adds them to the stock.
    public func receive(
        sku: String, warehouse: String, lot: String, expiry: Date?, unitCost: Money, quantity: Int, reference: String?,
        in tx: PostgresTransaction
    ) async throws {
        precondition(quantity > 0, "a receipt adds at least one unit")
        try await tx.query(PostgresQuery(sql: """
            INSERT INTO \(table).stock (sku, warehouse, on_hand) VALUES ($1, $2, $3)
            ON CONFLICT (sku, warehouse) DO UPDATE SET on_hand = stock.on_hand + EXCLUDED.on_hand
            """, binds: [sku, warehouse, quantity]))
        try await tx.query(PostgresQuery(sql: """
            INSERT INTO \(table).lots (sku, warehouse, lot, expiry, unit_cost_minor, currency, on_hand)
            VALUES ($1, $2, $3, $4::timestamptz::date, $5, $6, $7)
            ON CONFLICT (sku, warehouse, lot) DO UPDATE SET on_hand = lots.on_hand + EXCLUDED.on_hand
            """, binds: [sku, warehouse, lot, expiry, unitCost.minorUnits, unitCost.currency.code, quantity]))
        try await record("receipt", sku: sku, warehouse: warehouse, lot: lot, quantity: quantity, reference: reference, in: tx)
    }

    /// Reserves every line or none: each line is a conditional update that only succeeds
    /// while enough is available (`on_hand - reserved >= quantity`). Lines are applied in
    /// (SKU, warehouse) order so that two orders never lock the same rows in opposite orders.
    /// Throws ``Refusal`` for the first line that cannot be had; the caller's transaction
    /// must then roll back.
    public func reserve(order: String, lines: [ReservationLine], in tx: PostgresTransaction) async throws {
        for line in lines.sorted(by: { ($0.sku, $0.warehouse, $0.line) < ($1.sku, $1.warehouse, $1.line) }) {
            let updated = try await tx.query(PostgresQuery(sql: """
                UPDATE \(table).stock SET reserved = reserved + $3
                WHERE sku = $1 AND warehouse = $2 AND on_hand - reserved >= $3
                """, binds: [line.sku, line.warehouse, line.quantity]))
            guard updated.affectedRows == 1 else {
                let row = try await tx.query(PostgresQuery(
                    sql: "SELECT on_hand - reserved FROM \(table).stock WHERE sku = $1 AND warehouse = $2",
                    binds: [line.sku, line.warehouse])).first
                throw Refusal(sku: line.sku, warehouse: line.warehouse, wanted: line.quantity, available: try row?.decode(Int.self, at: 0) ?? 0)
            }
            try await tx.query(PostgresQuery(sql: """
                INSERT INTO \(table).reservations (order_id, line, sku, warehouse, quantity) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (order_id, line, warehouse) DO UPDATE SET quantity = reservations.quantity + EXCLUDED.quantity
                """, binds: [order, line.line, line.sku, line.warehouse, line.quantity]))
            try await record("reservation", sku: line.sku, warehouse: line.warehouse, lot: nil, quantity: line.quantity, reference: order, in: tx)
        }
    }

    /// Ends an order's reservations and makes their units available again. Returns how many
    /// units were released; releasing an order that holds nothing does nothing.
    @discardableResult
    public func release(order: String, in tx: PostgresTransaction) async throws -> Int {
        let released = try await tx.query(PostgresQuery(
            sql: "DELETE FROM \(table).reservations WHERE order_id = $1 RETURNING sku, warehouse, quantity", binds: [order]))
        var total = 0
        for row in released {
            let sku = try row.decode(String.self, column: "sku"), warehouse = try row.decode(String.self, column: "warehouse")
            let quantity = try row.decode(Int.self, column: "quantity")
            try await tx.query(PostgresQuery(
                sql: "UPDATE \(table).stock SET reserved = reserved - $3 WHERE sku = $1 AND warehouse = $2",
                binds: [sku, warehouse, quantity]))
            try await record("release", sku: sku, warehouse: warehouse, lot: nil, quantity: -quantity, reference: order, in: tx)
            total += quantity
        }
        return total
    }

    /// What an issue took from one lot, at the lot's cost.
    public struct IssuedLot: Sendable, Equatable {
        public let sku: String
        public let warehouse: String
        public let lot: String
        public let quantity: Int
        public let unitCost: Money
    }

    /// Ships an order's reservations: takes the reserved units from the lots first expiring
    /// (FEFO; expired lots are not shipped), lowers on hand and reserved, ends the
    /// reservations, and returns the lots and their FIFO cost for the cost of goods sold.
    public func issue(order: String, today: Date, in tx: PostgresTransaction) async throws -> [IssuedLot] {
        let reservations = try await tx.query(PostgresQuery(sql: """
            DELETE FROM \(table).reservations WHERE order_id = $1 RETURNING sku, warehouse, quantity
            """, binds: [order]))
        struct Place: Hashable { let sku: String, warehouse: String }
        var quantities: [Place: Int] = [:]
        for row in reservations {
            let place = Place(sku: try row.decode(String.self, column: "sku"), warehouse: try row.decode(String.self, column: "warehouse"))
            quantities[place, default: 0] += try row.decode(Int.self, column: "quantity")
        }
        var issued: [IssuedLot] = []
        let needs = quantities.map { (sku: $0.key.sku, warehouse: $0.key.warehouse, quantity: $0.value) }
        for need in needs.sorted(by: { ($0.sku, $0.warehouse) < ($1.sku, $1.warehouse) }) {
            let rows = try await tx.query(PostgresQuery(sql: """
                SELECT lot, expiry::text AS expiry, received_at, on_hand, unit_cost_minor, currency FROM \(table).lots
                WHERE sku = $1 AND warehouse = $2 AND on_hand > 0 ORDER BY lot FOR UPDATE
                """, binds: [need.sku, need.warehouse]))
            var currencies: [String: Currency] = [:]
            let lots = try rows.map { row -> FEFO.Lot in
                let lot = try row.decode(String.self, column: "lot")
                currencies[lot] = try Currency(code: try row.decode(String.self, column: "currency"))
                return FEFO.Lot(
                    code: lot, expiry: try row.decode(String?.self, column: "expiry").flatMap(Self.date),
                    receivedAt: try row.decode(Date.self, column: "received_at"), quantity: try row.decode(Int.self, column: "on_hand"),
                    unitCost: try row.decode(Int64.self, column: "unit_cost_minor"))
            }
            for pick in try FEFO.pick(need.quantity, from: lots, today: today) {
                try await tx.query(PostgresQuery(
                    sql: "UPDATE \(table).lots SET on_hand = on_hand - $4 WHERE sku = $1 AND warehouse = $2 AND lot = $3",
                    binds: [need.sku, need.warehouse, pick.lot, pick.quantity]))
                try await record("issue", sku: need.sku, warehouse: need.warehouse, lot: pick.lot, quantity: -pick.quantity, reference: order, in: tx)
                issued.append(IssuedLot(
                    sku: need.sku, warehouse: need.warehouse, lot: pick.lot, quantity: pick.quantity,
                    unitCost: Money(minorUnits: pick.unitCost, currency: currencies[pick.lot]!)))
            }
            try await tx.query(PostgresQuery(sql: """
                UPDATE \(table).stock SET on_hand = on_hand - $3, reserved = reserved - $3 WHERE sku = $1 AND warehouse = $2
                """, binds: [need.sku, need.warehouse, need.quantity]))
        }
        return issued
    }

    /// Why an adjustment or count was refused.
    public struct AdjustmentRefusal: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Changes a lot's quantity by `delta` (damage, loss, found stock) with a reason. The
    /// result may not go below zero, nor below what is reserved.
    public func adjust(
        sku: String, warehouse: String, lot: String, delta: Int, reason: String, in tx: PostgresTransaction
    ) async throws {
        guard delta != 0 else { return }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AdjustmentRefusal(reason: "an adjustment needs a reason")
        }
        let lotRow = try await tx.query(PostgresQuery(sql: """
            UPDATE \(table).lots SET on_hand = on_hand + $4 WHERE sku = $1 AND warehouse = $2 AND lot = $3 AND on_hand + $4 >= 0
            """, binds: [sku, warehouse, lot, delta]))
        guard lotRow.affectedRows == 1 else {
            throw AdjustmentRefusal(reason: "lot \(lot) of \(sku) in \(warehouse) does not exist or holds fewer than \(-delta) units")
        }
        let stockRow = try await tx.query(PostgresQuery(sql: """
            UPDATE \(table).stock SET on_hand = on_hand + $3 WHERE sku = $1 AND warehouse = $2 AND on_hand + $3 >= reserved
            """, binds: [sku, warehouse, delta]))
        guard stockRow.affectedRows == 1 else {
            throw AdjustmentRefusal(reason: "removing \(-delta) units of \(sku) in \(warehouse) would leave less than is reserved")
        }
        try await record("adjustment", sku: sku, warehouse: warehouse, lot: lot, quantity: delta, reference: reason, in: tx)
    }

    /// Records a cycle count of a lot: the difference to the books becomes an adjustment.
    /// Returns that difference (0 when the count agrees).
    @discardableResult
    public func count(
        sku: String, warehouse: String, lot: String, counted: Int, countReference: String, in tx: PostgresTransaction
    ) async throws -> Int {
        guard counted >= 0 else { throw AdjustmentRefusal(reason: "a counted quantity cannot be negative (\(counted))") }
        guard let row = try await tx.query(PostgresQuery(
            sql: "SELECT on_hand FROM \(table).lots WHERE sku = $1 AND warehouse = $2 AND lot = $3 FOR UPDATE",
            binds: [sku, warehouse, lot])).first
        else { throw AdjustmentRefusal(reason: "lot \(lot) of \(sku) in \(warehouse) does not exist") }
        let delta = counted - (try row.decode(Int.self, at: 0))
        try await adjust(sku: sku, warehouse: warehouse, lot: lot, delta: delta, reason: "cycle count \(countReference)", in: tx)
        return delta
    }

    /// A `date` column's text (YYYY-MM-DD) as the start of that day in UTC.
    static func date(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }

    /// On hand, reserved and available of one SKU in one warehouse (zeros if never stocked).
    public func level(sku: String, warehouse: String, in tx: PostgresTransaction) async throws -> (onHand: Int, reserved: Int, available: Int) {
        guard let row = try await tx.query(PostgresQuery(
            sql: "SELECT on_hand, reserved FROM \(table).stock WHERE sku = $1 AND warehouse = $2", binds: [sku, warehouse])).first
        else { return (0, 0, 0) }
        let onHand = try row.decode(Int.self, column: "on_hand"), reserved = try row.decode(Int.self, column: "reserved")
        return (onHand, reserved, onHand - reserved)
    }

    private func record(
        _ kind: String, sku: String, warehouse: String, lot: String?, quantity: Int, reference: String?, in tx: PostgresTransaction
    ) async throws {
        try await tx.query(PostgresQuery(sql: """
            INSERT INTO \(table).movements (kind, sku, warehouse, lot, quantity, reference) VALUES ($1, $2, $3, $4, $5, $6)
            """, binds: [kind, sku, warehouse, lot, quantity, reference]))
    }
}
