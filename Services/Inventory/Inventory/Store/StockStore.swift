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
