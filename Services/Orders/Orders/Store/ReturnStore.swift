import Contracts
import Foundation
import Postgres

/// Returns (RMA) and their lines, inside the caller's transaction.
extension OrderStore {
    /// Per line of an order: units ordered, shipped, and in returns that are not cancelled; its total and SKU.
    public struct ReturnableLine: Sendable {
        public let line: Int
        public let sku: String
        public let ordered: Int
        public let shipped: Int
        public let returned: Int
        public let total: Money
        public let returnable: Bool
    }

    public func returnableLines(_ id: Int64, currency: Currency, in tx: PostgresTransaction) async throws -> [Int: ReturnableLine] {
        var lines: [Int: ReturnableLine] = [:]
        for row in try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT l.line, l.sku, l.quantity, l.total_minor, coalesce(k.returnable, true) AS returnable,
                           (SELECT coalesce(sum(s.quantity), 0)::int FROM \(s).shipment_lines s WHERE s.order_id = l.order_id AND s.line = l.line) AS shipped,
                           (SELECT coalesce(sum(r.quantity), 0)::int FROM \(s).return_lines r JOIN \(s).returns t ON t.rma = r.rma
                            WHERE t.order_id = l.order_id AND r.line = l.line AND t.status NOT IN ('cancelled', 'repaired')) AS returned
                    FROM \(s).order_lines l LEFT JOIN \(s).skus k ON k.code = l.sku WHERE l.order_id = $1
                    """, binds: [id]))
        {
            let line = try row.decode(Int.self, column: "line")
            lines[line] = ReturnableLine(
                line: line, sku: try row.decode(String.self, column: "sku"), ordered: try row.decode(Int.self, column: "quantity"),
                shipped: try row.decode(Int.self, column: "shipped"), returned: try row.decode(Int.self, column: "returned"),
                total: Money(minorUnits: try row.decode(Int64.self, column: "total_minor"), currency: currency),
                returnable: try row.decode(Bool.self, column: "returnable"))
        }
        return lines
    }

    public func lastShipment(_ id: Int64, in tx: PostgresTransaction) async throws -> Date? {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT max(shipped_at) FROM \(s).shipments WHERE order_id = $1", binds: [id]))[0].decode(
            Date?.self, at: 0)
    }

    /// Keeps an approved return; false if its RMA exists.
    public func addReturn(
        _ approved: OrderCommand.ReturnApproved, kind: ReturnKind, reason: String, previous: OrderStatus, in tx: PostgresTransaction
    ) async throws -> Bool {
        let inserted = try await tx.query(
            """
            INSERT INTO \(identifier: schema).returns (rma, order_id, kind, status, reason, previous_status, refund_minor)
            VALUES (\(approved.rma), \(approved.order), \(kind.rawValue), 'approved', \(reason), \(previous.rawValue), \(approved.refund.minorUnits))
            ON CONFLICT DO NOTHING
            """)
        guard inserted.affectedRows == 1 else { return false }
        let lines = approved.lines
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).return_lines (rma, line, sku, quantity, refund_minor)
            SELECT \(approved.rma), l.*
            FROM unnest(\(lines.map(\.line))::int[], \(lines.map(\.sku))::text[], \(lines.map(\.quantity))::int[],
                        \(lines.map(\.refund.minorUnits))::bigint[]) AS l
            """)
        return true
    }

    public struct StoredReturn: Sendable {
        public let rma: String
        public let order: Int64
        public let kind: ReturnKind
        public let status: String
        public let previousStatus: OrderStatus
        public let refund: Int64
        /// Line → (SKU, units).
        public let lines: [Int: (sku: String, quantity: Int)]
    }

    /// A return with its lines, locked.
    public func returnEntry(_ rma: String, in tx: PostgresTransaction) async throws -> StoredReturn? {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT order_id, kind, status, previous_status, refund_minor FROM \(s).returns WHERE rma = $1 FOR UPDATE
                        """, binds: [rma])
            ).first
        else { return nil }
        var lines: [Int: (String, Int)] = [:]
        for line in try await tx.query(PostgresQuery(unsafeSQL: "SELECT line, sku, quantity FROM \(s).return_lines WHERE rma = $1", binds: [rma])) {
            lines[try line.decode(Int.self, at: 0)] = (try line.decode(String.self, at: 1), try line.decode(Int.self, at: 2))
        }
        return StoredReturn(
            rma: rma, order: try row.decode(Int64.self, at: 0), kind: try row.decode(ReturnKind.self, at: 1),
            status: try row.decode(String.self, at: 2), previousStatus: try row.decode(OrderStatus.self, at: 3),
            refund: try row.decode(Int64.self, at: 4), lines: lines)
    }

    public func inspect(_ rma: String, _ items: [OrderCommand.InspectReturn.Item], in tx: PostgresTransaction) async throws {
        for item in items {
            let column = item.condition == .sellable ? "sellable" : "damaged"
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: "UPDATE \(s).return_lines SET \(column) = \(column) + $3 WHERE rma = $1 AND line = $2",
                    binds: [rma, item.line, item.quantity]))
        }
        try await setReturnStatus(rma, "inspected", in: tx)
    }

    public func setReturnStatus(_ rma: String, _ status: String, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(s).returns SET status = $2,
                        inspected_at = CASE WHEN $2 = 'inspected' THEN now() ELSE inspected_at END,
                        closed_at = CASE WHEN $2 IN ('completed', 'cancelled') THEN now() ELSE closed_at END
                    WHERE rma = $1
                    """, binds: [rma, status]))
    }

    /// Whether every shipped unit of the order is in a completed return.
    public func everythingReturned(_ id: Int64, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT coalesce(sum(l.quantity), 0) = coalesce((SELECT sum(r.quantity) FROM \(s).return_lines r JOIN \(s).returns t ON t.rma = r.rma
                                                               WHERE t.order_id = $1 AND t.status = 'completed'), 0)
                    FROM \(s).order_lines l WHERE l.order_id = $1
                    """, binds: [id]))[0].decode(Bool.self, at: 0)
    }
}
