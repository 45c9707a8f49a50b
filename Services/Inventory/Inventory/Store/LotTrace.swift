import Contracts
import Foundation
import Postgres

/// Where a lot came from and where it went: its receipts (with the purchase order and
/// supplier), every issue (order and shipment), return, transfer and adjustment, what is
/// left of it where (on hand, in quarantine, in transit), and its recall. Read-only: it can
/// run on the replica.
public struct LotTrace: Codable, Sendable, Equatable {
    public struct Movement: Codable, Sendable, Equatable {
        public let kind: String
        public let sku: String
        public let warehouse: String
        public let quantity: Int
        public let reference: String?
        public let order: String?
        public let shipment: String?
        public let at: Date
    }
    public struct Receipt: Codable, Sendable, Equatable {
        public let sku: String
        public let warehouse: String
        public let quantity: Int
        public let reference: String?
        public let supplier: String?
        public let unitCost: Money
        public let expiry: BusinessDate?
        public let at: Date
    }
    public struct Remaining: Codable, Sendable, Equatable {
        public let sku: String
        public let warehouse: String
        public let onHand: Int
        public let quarantined: Int
        public let inTransit: Int
    }
    public struct Recall: Codable, Sendable, Equatable {
        public let sku: String
        public let reason: String
        public let at: Date
    }

    public let lot: String
    public let receipts: [Receipt]
    /// Issues with their order and shipment.
    public let issues: [Movement]
    /// Units back from customers (sellable or into quarantine), with their order.
    public let returns: [Movement]
    public let transfers: [Movement]
    /// Adjustments, counts, quarantine released or written off, the recall.
    public let adjustments: [Movement]
    public let remaining: [Remaining]
    public let recalls: [Recall]

    static func isRecall(_ movement: Movement) -> Bool { movement.reference?.hasPrefix("recall: ") == true }

    /// The orders that were issued units of the lot.
    public var orders: [String] { Array(Set(issues.compactMap(\.order))).sorted { ($0.count, $0) < ($1.count, $1) } }

    public static func of(lot: String, sku: String?, schema: String = "inventory", _ pool: PostgresPool) async throws -> LotTrace {
        let movements = try await pool.query(
            """
            SELECT kind, sku, warehouse, quantity, reference,
                CASE WHEN kind = 'issue' THEN coalesce(order_ref, reference) ELSE order_ref END AS order_ref, shipment, occurred_at
            FROM \(identifier: schema).movements
            WHERE lot = \(lot) AND (\(sku)::text IS NULL OR sku = \(sku)) AND kind NOT IN ('receipt', 'reservation', 'release')
            ORDER BY occurred_at, id
            """
        ).map { row in
            Movement(
                kind: try row.decode(String.self, column: "kind"), sku: try row.decode(String.self, column: "sku"),
                warehouse: try row.decode(String.self, column: "warehouse"), quantity: try row.decode(Int.self, column: "quantity"),
                reference: try row.decode(String?.self, column: "reference"), order: try row.decode(String?.self, column: "order_ref"),
                shipment: try row.decode(String?.self, column: "shipment"), at: try row.decode(Date.self, column: "occurred_at"))
        }
        let receipts = try await pool.query(
            """
            SELECT m.sku, m.warehouse, m.quantity, m.reference, po.supplier, l.unit_cost_minor, l.currency, l.expiry::text AS expiry, m.occurred_at
            FROM \(identifier: schema).movements m
            JOIN \(identifier: schema).lots l ON l.sku = m.sku AND l.warehouse = m.warehouse AND l.lot = m.lot
            LEFT JOIN \(identifier: schema).purchase_orders po ON po.number = m.reference
            WHERE m.lot = \(lot) AND (\(sku)::text IS NULL OR m.sku = \(sku)) AND m.kind = 'receipt'
            ORDER BY m.occurred_at, m.id
            """
        ).map { row in
            Receipt(
                sku: try row.decode(String.self, column: "sku"), warehouse: try row.decode(String.self, column: "warehouse"),
                quantity: try row.decode(Int.self, column: "quantity"), reference: try row.decode(String?.self, column: "reference"),
                supplier: try row.decode(String?.self, column: "supplier"),
                unitCost: Money(
                    minorUnits: try row.decode(Int64.self, column: "unit_cost_minor"),
                    currency: try Currency(code: try row.decode(String.self, column: "currency"))),
                expiry: try row.decode(String?.self, column: "expiry").map { try BusinessDate($0) },
                at: try row.decode(Date.self, column: "occurred_at"))
        }
        let remaining = try await pool.query(
            """
            WITH places AS (
                SELECT sku, warehouse, on_hand, 0 AS quarantined, 0 AS in_transit FROM \(identifier: schema).lots
                WHERE lot = \(lot) AND (\(sku)::text IS NULL OR sku = \(sku))
                UNION ALL
                SELECT sku, warehouse, 0, quantity, 0 FROM \(identifier: schema).quarantine WHERE lot = \(lot) AND (\(sku)::text IS NULL OR sku = \(sku))
                UNION ALL
                SELECT t.sku, t.to_warehouse, 0, 0, tl.quantity FROM \(identifier: schema).transfer_lots tl
                JOIN \(identifier: schema).transfers t ON t.id = tl.transfer_id
                WHERE tl.lot = \(lot) AND t.status = 'in_transit' AND (\(sku)::text IS NULL OR t.sku = \(sku))
            )
            SELECT sku, warehouse, sum(on_hand)::int AS on_hand, sum(quarantined)::int AS quarantined, sum(in_transit)::int AS in_transit
            FROM places GROUP BY sku, warehouse HAVING sum(on_hand) + sum(quarantined) + sum(in_transit) > 0 ORDER BY sku, warehouse
            """
        ).map { row in
            Remaining(
                sku: try row.decode(String.self, column: "sku"), warehouse: try row.decode(String.self, column: "warehouse"),
                onHand: try row.decode(Int.self, column: "on_hand"), quarantined: try row.decode(Int.self, column: "quarantined"),
                inTransit: try row.decode(Int.self, column: "in_transit"))
        }
        let recalls = try await pool.query(
            """
            SELECT sku, reason, recalled_at FROM \(identifier: schema).recalled_lots WHERE lot = \(lot) AND (\(sku)::text IS NULL OR sku = \(sku)) ORDER BY sku
            """
        ).map { Recall(sku: try $0.decode(String.self, at: 0), reason: try $0.decode(String.self, at: 1), at: try $0.decode(Date.self, at: 2)) }
        return LotTrace(
            lot: lot, receipts: receipts, issues: movements.filter { $0.kind == "issue" },
            returns: movements.filter { $0.kind == "return" || ($0.kind == "quarantine" && $0.quantity > 0 && !Self.isRecall($0)) },
            transfers: movements.filter { $0.kind.hasPrefix("transfer") },
            adjustments: movements.filter { $0.kind == "adjustment" || ($0.kind == "quarantine" && ($0.quantity < 0 || Self.isRecall($0))) },
            remaining: remaining, recalls: recalls)
    }
}
