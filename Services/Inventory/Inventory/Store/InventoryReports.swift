import Contracts
import Postgres
import ServiceKit

/// The inventory reports `erpctl inventory ...` prints. They only read, so they can run
/// on the analysts' replica as well as on the primary.
public struct InventoryReports: Sendable {
    public let schema: String
    public init(schema: String = "inventory") { self.schema = schema }
    private var s: String { PostgresQuery.quoteIdentifier(schema) }

    /// On hand, reserved and available per SKU and warehouse, with units in quarantine.
    public func levels(sku: String? = nil, warehouse: String? = nil, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT st.sku, st.warehouse, st.on_hand, st.reserved, st.on_hand - st.reserved AS available,
                               coalesce((SELECT sum(q.quantity) FROM \(s).quarantine q WHERE q.sku = st.sku AND q.warehouse = st.warehouse), 0)
                                   AS quarantined
                        FROM \(s).stock st
                        WHERE ($1::text IS NULL OR st.sku = $1) AND ($2::text IS NULL OR st.warehouse = $2)
                        ORDER BY st.sku, st.warehouse
                        """, binds: [sku, warehouse])), numeric: ["on_hand", "reserved", "available", "quarantined"])
    }

    /// Stock value at the FIFO cost of the lots that hold it, per SKU and warehouse (in the
    /// currency's own minor units, so a currency without cents prints none).
    public func valuation(_ pool: PostgresPool) async throws -> ReportTable {
        let result = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT sku, warehouse, sum(on_hand)::bigint AS units, currency, sum(on_hand::bigint * unit_cost_minor)::bigint AS value_minor
                    FROM \(s).lots WHERE on_hand > 0
                    GROUP BY sku, warehouse, currency ORDER BY sku, warehouse
                    """))
        let rows: [[String?]] = try result.map { row in
            let currency = try row.decode(String.self, column: "currency")
            let minor = try row.decode(Int64.self, column: "value_minor")
            let value = (try? Currency(code: currency)).map { Money(minorUnits: minor, currency: $0).decimalString } ?? String(minor)
            return [
                try row.decode(String.self, column: "sku"), try row.decode(String.self, column: "warehouse"),
                try row.decode(String.self, column: "units"), currency, value,
            ]
        }
        return ReportTable(columns: ["sku", "warehouse", "units", "currency", "value"], rows: rows, numericColumns: ["units"])
    }

    /// Lots holding units that expire within `days` days of `today` (or already have).
    public func expiring(withinDays days: Int, today: BusinessDate = .today(), _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT sku, warehouse, lot, expiry::text AS expiry, on_hand, (expiry - $1::date) AS days_left
                        FROM \(s).lots WHERE on_hand > 0 AND expiry IS NOT NULL AND expiry <= $1::date + $2::int
                        ORDER BY expiry, sku, warehouse, lot
                        """, binds: [today.description, days])), numeric: ["on_hand", "days_left"])
    }

    /// Stock on hand with no issue in the last `days` days.
    public func slowMovers(days: Int, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT st.sku, st.warehouse, st.on_hand, to_char(max(m.occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS last_issue
                        FROM \(s).stock st LEFT JOIN \(s).movements m ON m.sku = st.sku AND m.warehouse = st.warehouse AND m.kind = 'issue'
                        WHERE st.on_hand > 0
                        GROUP BY st.sku, st.warehouse, st.on_hand
                        HAVING max(m.occurred_at) IS NULL OR max(m.occurred_at) < now() - make_interval(days => $1)
                        ORDER BY st.sku, st.warehouse
                        """, binds: [days])), numeric: ["on_hand"])
    }

    /// SKUs with nothing available in a warehouse, and whether a purchase request is open.
    public func stockOuts(_ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT st.sku, st.warehouse, st.on_hand, st.reserved,
                               (SELECT p.id::text FROM \(s).purchase_requests p
                                WHERE p.sku = st.sku AND p.warehouse = st.warehouse AND p.status = 'open') AS open_request
                        FROM \(s).stock st WHERE st.on_hand - st.reserved <= 0
                        ORDER BY st.sku, st.warehouse
                        """)), numeric: ["on_hand", "reserved"])
    }

    public func purchaseRequests(includeClosed: Bool, _ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT id, sku, warehouse, quantity, status, received_quantity,
                               to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS opened_at
                        FROM \(s).purchase_requests WHERE $1 OR status = 'open' ORDER BY id
                        """, binds: [includeClosed])), numeric: ["id", "quantity", "received_quantity"])
    }

    public func transfers(_ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT id, sku, from_warehouse, to_warehouse, quantity, status,
                               to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS started_at
                        FROM \(s).transfers ORDER BY started_at, id
                        """)), numeric: ["quantity"])
    }
}
