import Foundation
import Postgres

/// Keeps `customer_values` and `customer_months` (what `customers` and `cohorts_monthly`
/// show): the first run computes every customer; each later run only the customers whose
/// orders changed, were linked to them, or were merged, since the last run (with the same ten
/// minutes of overlap as the daily sales).
struct CustomerRefreshJob: Sendable {
    let schemas: AnalyticsSchemas

    /// The counted orders of the customers `$1` (every customer when null).
    static let counted = """
        SELECT co.customer, o.currency, o.placed_at, coalesce(o.parent_id, o.id) AS purchase,
               o.total_minor - coalesce((SELECT sum(r.refund_minor) FROM {orders}.returns r WHERE r.order_id = o.id AND r.status = 'completed'), 0)
                   AS value_minor
        FROM {crm}.customer_orders co JOIN {orders}.orders o ON o.id = co.order_id
        WHERE o.status NOT IN ('cancelled', 'split', 'merged') AND ($1::bigint[] IS NULL OR co.customer = ANY($1::bigint[]))
        """

    func run(in tx: PostgresTransaction) async throws -> String {
        let a = schemas.analytics
        let last = try await tx.query("SELECT up_to FROM \(identifier: a).refreshes WHERE what = 'customers'").first?.decode(Date.self, at: 0)
        let mark = try await tx.query("SELECT now()")[0].decode(Date.self, at: 0)
        var customers: [Int64]?
        if let last {
            customers = try await tx.query(
                PostgresQuery(
                    unsafeSQL: schemas.substitute(
                        """
                        SELECT co.customer FROM {crm}.customer_orders co JOIN {orders}.orders o ON o.id = co.order_id
                        WHERE o.updated_at >= $1::timestamptz - \(SalesRefreshJob.overlap)
                        UNION SELECT customer FROM {crm}.customer_orders WHERE updated_at >= $1::timestamptz - \(SalesRefreshJob.overlap)
                        UNION SELECT co.customer FROM {orders}.returns r JOIN {crm}.customer_orders co ON co.order_id = r.order_id
                        WHERE r.closed_at >= $1::timestamptz - \(SalesRefreshJob.overlap)
                        UNION SELECT id FROM {crm}.customers WHERE merged_at >= $1::timestamptz - \(SalesRefreshJob.overlap)
                        UNION SELECT merged_into FROM {crm}.customers WHERE merged_at >= $1::timestamptz - \(SalesRefreshJob.overlap)
                        """), binds: [last])
            ).compactMap { try $0.decode(Int64?.self, at: 0) }
            guard !(customers ?? []).isEmpty else {
                try await record(mark, in: tx)
                return "customers: none changed"
            }
            try await tx.query("DELETE FROM \(identifier: a).customer_values WHERE customer = ANY(\(customers ?? []))")
            try await tx.query("DELETE FROM \(identifier: a).customer_months WHERE customer = ANY(\(customers ?? []))")
        } else {
            try await tx.query("DELETE FROM \(identifier: a).customer_values")
            try await tx.query("DELETE FROM \(identifier: a).customer_months")
        }
        try await tx.query(
            PostgresQuery(
                unsafeSQL: schemas.substitute(
                    """
                    WITH counted AS (\(Self.counted))
                    INSERT INTO {analytics}.customer_values (customer, currency, purchases, value_minor, first_order_at, last_order_at)
                    SELECT customer, currency, count(DISTINCT purchase), sum(value_minor), min(placed_at), max(placed_at) FROM counted GROUP BY customer, currency
                    """), binds: [customers]))
        try await tx.query(
            PostgresQuery(
                unsafeSQL: schemas.substitute(
                    """
                    WITH counted AS (\(Self.counted)), months AS (
                        SELECT DISTINCT customer, date_trunc('month', placed_at AT TIME ZONE 'UTC')::date AS month FROM counted
                    )
                    INSERT INTO {analytics}.customer_months (customer, month, cohort)
                    SELECT customer, month, min(month) OVER (PARTITION BY customer) FROM months
                    """), binds: [customers]))
        try await record(mark, in: tx)
        return customers.map { "customers: \($0.count) changed computed again" } ?? "customers: every customer computed"
    }

    func record(_ mark: Date, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            INSERT INTO \(identifier: schemas.analytics).refreshes (what, up_to, days, refreshed_at) VALUES ('customers', \(mark), 0, clock_timestamp())
            ON CONFLICT (what) DO UPDATE SET up_to = excluded.up_to, refreshed_at = excluded.refreshed_at
            """)
    }
}
