import Foundation
import Postgres

/// The analyses `erpctl analytics` prints: sales, inventory, finance, customers, trends. Each
/// reads only the analytics views, so it runs as `erp_analyst` on the replica.
public struct Analyses: Sendable {
    public enum Period: String, CaseIterable, Sendable { case day, week, month }

    public let schema: String
    public init(schema: String = "analytics") { self.schema = schema }

    func sql(_ text: String) -> String { text.replacingOccurrences(of: "{a}", with: PostgresQuery.quoteIdentifier(schema)) }

    /// Sales per period, platform and currency (orders, units, revenue, refunds, net), and the
    /// best-selling SKUs of the same days.
    public func sales(by period: Period, platform: String?, from: String?, to: String?, top: Int, _ pool: PostgresPool) async throws
        -> AnalyticsReport
    {
        var report = AnalyticsReport()
        let binds: [any PostgresEncodable] = [period.rawValue, platform, from, to]
        try report.add(
            "sales", "Sales by \(period.rawValue)",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT date_trunc($1, day)::date::text AS period, platform, currency, sum(orders)::bigint AS orders, sum(units)::bigint AS units,
                               sum(revenue_minor)::bigint AS revenue_minor, sum(refunded_minor)::bigint AS refunded_minor,
                               sum(net_minor)::bigint AS net_minor
                        FROM {a}.sales_daily_totals
                        WHERE ($2::text IS NULL OR platform = $2) AND ($3::date IS NULL OR day >= $3::date) AND ($4::date IS NULL OR day <= $4::date)
                        GROUP BY date_trunc($1, day), platform, currency
                        ORDER BY date_trunc($1, day), platform, currency
                        """), binds: binds)), numeric: ["orders", "units"])
        try report.add(
            "top_skus", "Top \(top) SKUs by units",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT sku, currency, sum(units)::bigint AS units, sum(returned_units)::bigint AS returned_units,
                               sum(revenue_minor)::bigint AS revenue_minor, sum(net_minor)::bigint AS net_minor
                        FROM {a}.sales_daily
                        WHERE ($1::text IS NULL OR platform = $1) AND ($2::date IS NULL OR day >= $2::date) AND ($3::date IS NULL OR day <= $3::date)
                        GROUP BY sku, currency ORDER BY sum(units) DESC, sku, currency LIMIT $4
                        """), binds: [platform, from, to, top])), numeric: ["units", "returned_units"])
        return report
    }

    /// Stock per warehouse (SKUs, units, slow, dead and out of stock), its value, the SKUs that
    /// need attention, and what to reorder.
    public func inventory(top: Int, _ pool: PostgresPool) async throws -> AnalyticsReport {
        var report = AnalyticsReport()
        try report.add(
            "warehouses", "Stock by warehouse",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT warehouse, count(*) AS skus, sum(on_hand)::bigint AS on_hand, sum(available)::bigint AS available,
                               count(*) FILTER (WHERE available <= 0) AS out_of_stock, count(*) FILTER (WHERE slow) AS slow,
                               count(*) FILTER (WHERE dead) AS dead, sum(units_shipped_28d)::bigint AS shipped_28d
                        FROM {a}.inventory_health GROUP BY warehouse ORDER BY warehouse
                        """))), numeric: ["skus", "on_hand", "available", "out_of_stock", "slow", "dead", "shipped_28d"])
        try report.add(
            "value", "Stock value at purchase cost",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT warehouse, value_currency AS currency, sum(on_hand)::bigint AS units, sum(value_minor)::bigint AS value_minor
                        FROM {a}.stock_daily WHERE live AND value_currency IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
                        """))), numeric: ["units"])
        try report.add(
            "attention", "SKUs needing attention (out of stock, under a week of cover, slow or dead)",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT sku, warehouse, on_hand, available, days_of_cover, stock_out_days_28d,
                               CASE WHEN available <= 0 AND units_shipped_28d > 0 THEN 'out of stock'
                                    WHEN days_of_cover < 7 THEN 'under a week of cover'
                                    WHEN dead THEN 'dead' WHEN slow THEN 'slow' END AS why
                        FROM {a}.inventory_health
                        WHERE (available <= 0 AND units_shipped_28d > 0) OR days_of_cover < 7 OR dead OR slow
                        ORDER BY CASE WHEN available <= 0 THEN 0 WHEN days_of_cover < 7 THEN 1 WHEN dead THEN 2 ELSE 3 END, on_hand DESC, sku, warehouse
                        LIMIT $1
                        """), binds: [top])), numeric: ["on_hand", "available", "days_of_cover", "stock_out_days_28d"])
        try report.add(
            "reorder", "To reorder now",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT sku, warehouse, lead_time_days, demand_over_lead_time, available, on_order, suggested_quantity
                        FROM {a}.reorder_suggestions WHERE reorder ORDER BY suggested_quantity DESC, sku, warehouse LIMIT $1
                        """), binds: [top])),
            numeric: ["lead_time_days", "demand_over_lead_time", "available", "on_order", "suggested_quantity"])
        return report
    }

    /// The profit and loss per month, cash in and out per month, and what is open with
    /// customers and suppliers by age.
    public func finance(from: String?, to: String?, _ pool: PostgresPool) async throws -> AnalyticsReport {
        var report = AnalyticsReport()
        let months: [any PostgresEncodable] = [from, to]
        try report.add(
            "pnl", "Profit and loss by month",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT to_char(month, 'YYYY-MM') AS month, currency, revenue_minor, cost_of_goods_minor, gross_profit_minor,
                               CASE WHEN revenue_minor = 0 THEN NULL ELSE round(100.0 * gross_profit_minor / revenue_minor, 1) END AS gross_margin_percent,
                               expenses_minor, net_income_minor
                        FROM {a}.pnl_monthly
                        WHERE ($1::date IS NULL OR month >= date_trunc('month', $1::date)) AND ($2::date IS NULL OR month <= $2::date)
                        ORDER BY month, currency
                        """), binds: months)), numeric: ["gross_margin_percent"])
        try report.add(
            "cash_flow", "Cash flow by month and what it was for (cash, bank and platform clearing)",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT to_char(month, 'YYYY-MM') AS month, currency, category, cash_in_minor, cash_out_minor, net_minor
                        FROM {a}.cash_flow_monthly_v2
                        WHERE ($1::date IS NULL OR month >= date_trunc('month', $1::date)) AND ($2::date IS NULL OR month <= $2::date)
                        ORDER BY month, currency, category
                        """), binds: months)))
        try report.add(
            "ageing", "Open receivables and payables by age",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT 'receivable' AS kind, currency, bucket, count(*) AS documents, sum(open_minor)::bigint AS open_minor FROM {a}.ar_ageing GROUP BY 2, 3
                        UNION ALL
                        SELECT 'payable', currency, bucket, count(*), sum(open_minor)::bigint FROM {a}.ap_ageing GROUP BY 2, 3
                        ORDER BY 1 DESC, 2, 3
                        """))), numeric: ["documents"])
        return report
    }

    /// How many customers buy again, the RFM segments, and retention by monthly cohort.
    public func customers(_ pool: PostgresPool) async throws -> AnalyticsReport {
        var report = AnalyticsReport()
        try report.add(
            "repeat", "Repeat purchase",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT count(*) AS customers, count(*) FILTER (WHERE orders >= 1) AS buyers, count(*) FILTER (WHERE orders >= 2) AS repeat_buyers,
                               CASE WHEN count(*) FILTER (WHERE orders >= 1) = 0 THEN NULL
                                    ELSE round(100.0 * count(*) FILTER (WHERE orders >= 2) / count(*) FILTER (WHERE orders >= 1), 1) END AS repeat_rate_percent,
                               round(avg(orders) FILTER (WHERE orders >= 1), 2) AS orders_per_buyer
                        FROM {a}.customers
                        """))), numeric: ["customers", "buyers", "repeat_buyers", "repeat_rate_percent", "orders_per_buyer"])
        try report.add(
            "segments", "RFM segments (nightly)",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT coalesce(segment, '(not scored yet)') AS segment, count(*) AS customers,
                               round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS percent
                        FROM {a}.customers WHERE orders >= 1 GROUP BY 1 ORDER BY 2 DESC, 1
                        """))), numeric: ["customers", "percent"])
        try report.add(
            "cohorts", "Retention by first-order month (% of the cohort ordering in month +n)",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        SELECT to_char(cohort_month, 'YYYY-MM') AS cohort, max(cohort_customers) AS customers,
                               max(retention_percent) FILTER (WHERE months_since_first = 1) AS m1,
                               max(retention_percent) FILTER (WHERE months_since_first = 2) AS m2,
                               max(retention_percent) FILTER (WHERE months_since_first = 3) AS m3,
                               max(retention_percent) FILTER (WHERE months_since_first = 6) AS m6,
                               max(retention_percent) FILTER (WHERE months_since_first = 12) AS m12
                        FROM {a}.cohorts_monthly GROUP BY cohort_month ORDER BY cohort_month
                        """))), numeric: ["customers", "m1", "m2", "m3", "m6", "m12"])
        return report
    }

    /// The market trend: the SKUs selling most in the last four weeks, against the four weeks
    /// before, with their forecast for the next four weeks.
    public func trends(top: Int, _ pool: PostgresPool) async throws -> AnalyticsReport {
        var report = AnalyticsReport()
        try report.add(
            "trends", "Trend and forecast of the top \(top) SKUs (units, every platform)",
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: sql(
                        """
                        WITH recent AS (
                            SELECT sku, coalesce(sum(units) FILTER (WHERE day > (now() AT TIME ZONE 'UTC')::date - 28), 0)::bigint AS last_4_weeks,
                                   coalesce(sum(units) FILTER (WHERE day <= (now() AT TIME ZONE 'UTC')::date - 28), 0)::bigint AS previous_4_weeks
                            FROM {a}.sales_daily WHERE day > (now() AT TIME ZONE 'UTC')::date - 56 GROUP BY sku
                        ), ahead AS (
                            SELECT sku, sum(units) AS units, sum(lower_80) AS lower_80, sum(upper_80) AS upper_80, min(method) AS method
                            FROM (SELECT f.*, row_number() OVER (PARTITION BY sku ORDER BY week_start) AS n FROM {a}.forecast_weekly f) w
                            WHERE n <= 4 GROUP BY sku
                        )
                        SELECT r.sku, r.previous_4_weeks, r.last_4_weeks,
                               CASE WHEN r.previous_4_weeks = 0 THEN NULL ELSE round(100.0 * (r.last_4_weeks - r.previous_4_weeks) / r.previous_4_weeks, 1) END
                                   AS change_percent,
                               round(a.units, 0) AS next_4_weeks, round(a.lower_80, 0) AS next_lower_80, round(a.upper_80, 0) AS next_upper_80, a.method
                        FROM recent r LEFT JOIN ahead a USING (sku)
                        ORDER BY r.last_4_weeks DESC, r.sku LIMIT $1
                        """), binds: [top])),
            numeric: ["previous_4_weeks", "last_4_weeks", "change_percent", "next_4_weeks", "next_lower_80", "next_upper_80"])
        return report
    }
}
