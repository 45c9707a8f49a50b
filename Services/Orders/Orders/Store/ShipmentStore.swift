import Contracts
import Foundation
import Postgres

/// What an order's stock was reserved as (its allocations, per line and warehouse) and the
/// shipments that left against them, inside the caller's transaction.
extension OrderStore {
    /// Keeps what was reserved, replacing what an earlier allocation of the order kept.
    public func allocate(_ id: Int64, _ allocations: [OrderCommand.Allocation], in tx: PostgresTransaction) async throws {
        try await tx.queue("DELETE FROM \(identifier: schema).allocations WHERE order_id = \(id)")
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).allocations (order_id, line, warehouse, sku, quantity)
            SELECT \(id), a.line, a.warehouse, a.sku, a.quantity
            FROM unnest(\(allocations.map(\.line))::int[], \(allocations.map(\.warehouse))::text[], \(allocations.map(\.sku))::text[],
                \(allocations.map(\.quantity))::int[]) AS a (line, warehouse, sku, quantity)
            """)
    }

    /// Who placed the order: its platform, shop and the platform's id of it.
    public func placedBy(_ id: Int64, in tx: PostgresTransaction) async throws -> (platform: String, shop: String, externalID: String) {
        let row = try await tx.query("SELECT platform, shop, external_id FROM \(identifier: schema).orders WHERE id = \(id)")[0]
        return (
            try row.decode(String.self, column: "platform"), try row.decode(String.self, column: "shop"),
            try row.decode(String.self, column: "external_id")
        )
    }

    /// Per line and warehouse: what was allocated there and what has shipped from there.
    public struct Shippable: Sendable, Equatable {
        public let line: Int
        public let warehouse: String
        public let allocated: Int
        public let shipped: Int
        public var left: Int { allocated - shipped }
    }

    public func shippable(_ id: Int64, in tx: PostgresTransaction) async throws -> [Shippable] {
        try await tx.query(
            """
            SELECT a.line, a.warehouse, a.quantity AS allocated, coalesce(sum(sl.quantity), 0)::int AS shipped
            FROM \(identifier: schema).allocations a
            LEFT JOIN \(identifier: schema).shipments sh ON sh.order_id = a.order_id AND sh.warehouse = a.warehouse
            LEFT JOIN \(identifier: schema).shipment_lines sl ON sl.order_id = sh.order_id AND sl.shipment = sh.id AND sl.line = a.line
            WHERE a.order_id = \(id) GROUP BY a.line, a.warehouse, a.quantity ORDER BY a.line, a.warehouse
            """
        ).map {
            Shippable(
                line: try $0.decode(Int.self, column: "line"), warehouse: try $0.decode(String.self, column: "warehouse"),
                allocated: try $0.decode(Int.self, column: "allocated"), shipped: try $0.decode(Int.self, column: "shipped"))
        }
    }

    /// What is still to ship per line: ordered minus shipped.
    public func unshipped(_ id: Int64, in tx: PostgresTransaction) async throws -> [Int: Int] {
        var result: [Int: Int] = [:]
        for row in try await tx.query(
            """
            SELECT l.line, l.quantity - coalesce(sum(s.quantity), 0) AS left
            FROM \(identifier: schema).order_lines l
            LEFT JOIN \(identifier: schema).shipment_lines s ON s.order_id = l.order_id AND s.line = l.line
            WHERE l.order_id = \(id) GROUP BY l.line, l.quantity
            """)
        {
            result[try row.decode(Int.self, column: "line")] = try row.decode(Int.self, column: "left")
        }
        return result
    }

    /// A shipment as it was recorded (to tell a repeat from a different shipment under the same id).
    public func shipment(_ id: Int64, _ shipment: String, in tx: PostgresTransaction) async throws -> OrderCommand.Ship? {
        guard
            let row = try await tx.query(
                """
                SELECT carrier, tracking_number, warehouse, shipped_at, weight_grams FROM \(identifier: schema).shipments
                WHERE order_id = \(id) AND id = \(shipment)
                """
            ).first
        else { return nil }
        let lines = try await tx.query(
            """
            SELECT line, quantity FROM \(identifier: schema).shipment_lines WHERE order_id = \(id) AND shipment = \(shipment) ORDER BY line
            """
        ).map { OrderCommand.ShipmentLine(line: try $0.decode(Int.self, column: "line"), quantity: try $0.decode(Int.self, column: "quantity")) }
        return OrderCommand.Ship(
            order: id, shipment: shipment, carrier: try row.decode(String.self, column: "carrier"),
            trackingNumber: try row.decode(String.self, column: "tracking_number"), lines: lines,
            warehouse: try row.decode(String?.self, column: "warehouse"), shippedAt: try row.decode(Date.self, column: "shipped_at"),
            weightGrams: try row.decode(Int?.self, column: "weight_grams"))
    }

    /// Records a shipment; false if one with this id exists for the order.
    public func addShipment(_ command: OrderCommand.Ship, in tx: PostgresTransaction) async throws -> Bool {
        let inserted = try await tx.query(
            """
            INSERT INTO \(identifier: schema).shipments (id, order_id, carrier, tracking_number, warehouse, shipped_at, weight_grams)
            VALUES (\(command.shipment), \(command.order), \(command.carrier), \(command.trackingNumber), \(command.warehouse),
                coalesce(\(command.shippedAt)::timestamptz, now()), \(command.weightGrams))
            ON CONFLICT DO NOTHING
            """)
        guard inserted.affectedRows == 1 else { return false }
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).shipment_lines (order_id, shipment, line, quantity)
            SELECT \(command.order), \(command.shipment), l.line, l.quantity
            FROM unnest(\(command.lines.map(\.line))::int[], \(command.lines.map(\.quantity))::int[]) AS l (line, quantity)
            """)
        return true
    }
}
