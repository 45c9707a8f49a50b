import Contracts
import Postgres
import ServiceKit

/// What `erpctl purchasing ... list|show` prints: suppliers, their items, purchase orders
/// and their lines. They only read.
public struct PurchasingReports: Sendable {
    public let schema: String
    public init(schema: String = "inventory") { self.schema = schema }

    public func suppliers(includeInactive: Bool, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                """
                SELECT s.code, s.name, s.currency, s.payment_terms_days AS terms_days, s.active,
                       (SELECT count(*) FROM \(identifier: schema).supplier_items i WHERE i.supplier = s.code) AS items,
                       s.contact, s.email
                FROM \(identifier: schema).suppliers s WHERE \(includeInactive) OR s.active ORDER BY s.code
                """), numeric: ["terms_days", "items"])
    }

    /// What a supplier sells, with its terms; empty if there is no such supplier.
    public func items(supplier: String, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                """
                SELECT i.sku, i.lead_time_days, i.minimum_order, i.pack_size, i.last_price_minor, s.currency, i.preferred
                FROM \(identifier: schema).supplier_items i JOIN \(identifier: schema).suppliers s ON s.code = i.supplier
                WHERE i.supplier = \(supplier) ORDER BY i.sku
                """), numeric: ["lead_time_days", "minimum_order", "pack_size", "last_price_minor"])
    }

    /// Purchase orders, newest first, with their totals; `status` narrows them.
    public func orders(status: String?, supplier: String?, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                """
                SELECT o.number, o.supplier, o.warehouse, o.status, o.currency,
                       count(l.line) AS lines, coalesce(sum(l.quantity), 0) AS units, coalesce(sum(l.received_quantity), 0) AS received,
                       coalesce(sum(l.quantity * l.unit_price_minor), 0) AS total_minor,
                       to_char(o.expected, 'YYYY-MM-DD') AS expected, to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS created_at
                FROM \(identifier: schema).purchase_orders o
                LEFT JOIN \(identifier: schema).purchase_order_lines l ON l.order_id = o.id
                WHERE (\(status)::text IS NULL OR o.status = \(status)) AND (\(supplier)::text IS NULL OR o.supplier = \(supplier))
                GROUP BY o.id ORDER BY o.id DESC
                """), numeric: ["lines", "units", "received", "total_minor"])
    }

    /// One order's lines; empty if there is no such order.
    public func lines(order: String, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                """
                SELECT l.line, l.sku, l.quantity, l.received_quantity AS received, l.unit_price_minor, o.currency,
                       l.quantity * l.unit_price_minor AS amount_minor, l.request_id AS request
                FROM \(identifier: schema).purchase_order_lines l JOIN \(identifier: schema).purchase_orders o ON o.id = l.order_id
                WHERE o.number = \(order) ORDER BY l.line
                """), numeric: ["line", "quantity", "received", "unit_price_minor", "amount_minor", "request"])
    }
}
