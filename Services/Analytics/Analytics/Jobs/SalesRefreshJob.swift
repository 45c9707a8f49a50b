import Foundation
import Postgres

/// Keeps `sales_days` (what `sales_daily` shows) up to date: the first run computes every
/// day; each later run only the UTC days of orders changed since the last run (their status,
/// lines or amounts: the orders service stamps `updated_at`) and of returns completed since.
/// Ten minutes of overlap take in changes whose transaction committed after the last run read.
struct SalesRefreshJob: Sendable {
    let schemas: AnalyticsSchemas
    static let overlap = "interval '10 minutes'"

    /// The rows of the days `$1` (all days when null), counted as `sales_daily` documents.
    static let aggregate = """
        WITH sold AS (
            SELECT (o.placed_at AT TIME ZONE 'UTC')::date AS day, o.platform, o.shop, l.sku, o.currency,
                   count(DISTINCT o.id) AS orders, sum(l.quantity) AS units, sum(l.quantity * l.unit_price_minor) AS gross_minor,
                   sum(l.discount_minor) AS discount_minor, sum(l.total_minor) AS revenue_minor
            FROM {orders}.orders o JOIN {orders}.order_lines l ON l.order_id = o.id
            WHERE o.status NOT IN ('split', 'merged', 'cancelled')
              AND ($1::date[] IS NULL OR ((o.placed_at AT TIME ZONE 'UTC')::date = ANY($1::date[])
                   AND o.placed_at >= ((SELECT min(d) FROM unnest($1::date[]) AS d) - 1)::timestamptz
                   AND o.placed_at < ((SELECT max(d) FROM unnest($1::date[]) AS d) + 2)::timestamptz))
            GROUP BY 1, 2, 3, 4, 5
        ), back AS (
            SELECT (r.closed_at AT TIME ZONE 'UTC')::date AS day, o.platform, o.shop, rl.sku, o.currency,
                   sum(rl.quantity) AS returned_units, sum(rl.refund_minor) AS refunded_minor
            FROM {orders}.returns r JOIN {orders}.return_lines rl ON rl.rma = r.rma JOIN {orders}.orders o ON o.id = r.order_id
            WHERE r.status = 'completed' AND ($1::date[] IS NULL OR (r.closed_at AT TIME ZONE 'UTC')::date = ANY($1::date[]))
            GROUP BY 1, 2, 3, 4, 5
        )
        INSERT INTO {analytics}.sales_days
        SELECT day, platform, shop, sku, currency, coalesce(s.orders, 0), coalesce(s.units, 0), coalesce(s.gross_minor, 0),
               coalesce(s.discount_minor, 0), coalesce(s.revenue_minor, 0), coalesce(b.returned_units, 0), coalesce(b.refunded_minor, 0)
        FROM sold s FULL JOIN back b USING (day, platform, shop, sku, currency)
        """

    /// The days `$1` (all when null) without the SKU: the SKU rows added up, and the counted
    /// orders placed that day (an order of several SKUs once).
    static let totals = """
        WITH placed AS (
            SELECT (placed_at AT TIME ZONE 'UTC')::date AS day, platform, shop, currency, count(*) AS orders
            FROM {orders}.orders
            WHERE status NOT IN ('split', 'merged', 'cancelled')
              AND ($1::date[] IS NULL OR ((placed_at AT TIME ZONE 'UTC')::date = ANY($1::date[])
                   AND placed_at >= ((SELECT min(d) FROM unnest($1::date[]) AS d) - 1)::timestamptz
                   AND placed_at < ((SELECT max(d) FROM unnest($1::date[]) AS d) + 2)::timestamptz))
            GROUP BY 1, 2, 3, 4
        ), summed AS (
            SELECT day, platform, shop, currency, sum(units) AS units, sum(gross_minor) AS gross_minor, sum(discount_minor) AS discount_minor,
                   sum(revenue_minor) AS revenue_minor, sum(returned_units) AS returned_units, sum(refunded_minor) AS refunded_minor
            FROM {analytics}.sales_days WHERE $1::date[] IS NULL OR day = ANY($1::date[])
            GROUP BY 1, 2, 3, 4
        )
        INSERT INTO {analytics}.sales_day_totals
        SELECT s.day, s.platform, s.shop, s.currency, coalesce(p.orders, 0), s.units, s.gross_minor, s.discount_minor, s.revenue_minor,
               s.returned_units, s.refunded_minor
        FROM summed s LEFT JOIN placed p USING (day, platform, shop, currency)
        """

    func run(in tx: PostgresTransaction) async throws -> String {
        let a = schemas.analytics
        try await tx.query("SELECT pg_advisory_xact_lock(hashtext(\("erp.analytics.refresh." + a)))")
        let last = try await tx.query("SELECT up_to FROM \(identifier: a).refreshes WHERE what = 'sales'").first?.decode(Date.self, at: 0)
        let mark = try await tx.query("SELECT now()")[0].decode(Date.self, at: 0)
        // The totals came after the SKU rows (analytics migration 6): taken whole once.
        let totalsMissing = try await tx.query(
            "SELECT NOT EXISTS (SELECT 1 FROM \(identifier: a).sales_day_totals) AND EXISTS (SELECT 1 FROM \(identifier: a).sales_days)"
        )[0].decode(Bool.self, at: 0)
        var days: [String]?
        if let last {
            days = try await tx.query(
                PostgresQuery(
                    unsafeSQL: schemas.substitute(
                        """
                        SELECT DISTINCT (placed_at AT TIME ZONE 'UTC')::date::text FROM {orders}.orders WHERE updated_at >= $1::timestamptz - \(Self.overlap)
                        UNION
                        SELECT DISTINCT (closed_at AT TIME ZONE 'UTC')::date::text FROM {orders}.returns WHERE closed_at >= $1::timestamptz - \(Self.overlap)
                        """), binds: [last])
            ).map { try $0.decode(String.self, at: 0) }
            guard !(days ?? []).isEmpty || totalsMissing else {
                try await record(mark, days: 0, in: tx)
                return "sales: no day changed"
            }
            try await tx.query("DELETE FROM \(identifier: a).sales_days WHERE day = ANY(\(days ?? [])::date[])")
            try await tx.query("DELETE FROM \(identifier: a).sales_day_totals WHERE day = ANY(\(days ?? [])::date[])")
        } else {
            try await tx.query("DELETE FROM \(identifier: a).sales_days")
            try await tx.query("DELETE FROM \(identifier: a).sales_day_totals")
        }
        try await tx.query(PostgresQuery(unsafeSQL: schemas.substitute(Self.aggregate), binds: [days]))
        if totalsMissing { try await tx.query("DELETE FROM \(identifier: a).sales_day_totals") }
        try await tx.query(PostgresQuery(unsafeSQL: schemas.substitute(Self.totals), binds: [totalsMissing ? nil : days]))
        var count = days?.count ?? 0
        if days == nil { count = try await tx.query("SELECT count(DISTINCT day)::int FROM \(identifier: a).sales_days")[0].decode(Int.self, at: 0) }
        try await record(mark, days: count, in: tx)
        return days == nil ? "sales: every day computed (\(count) days)" : "sales: \(count) changed days computed again"
    }

    func record(_ mark: Date, days: Int, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            INSERT INTO \(identifier: schemas.analytics).refreshes (what, up_to, days, refreshed_at) VALUES ('sales', \(mark), \(days), clock_timestamp())
            ON CONFLICT (what) DO UPDATE SET up_to = excluded.up_to, days = excluded.days, refreshed_at = excluded.refreshed_at
            """)
    }
}
