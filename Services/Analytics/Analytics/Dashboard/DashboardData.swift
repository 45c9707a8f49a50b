import Contracts
import Foundation
import Postgres

/// What the dashboard shows, read from the analytics views (as `erp_analyst`, on the replica):
/// the 90 days up to the last day with sales, and the state of stock, receivables, cohorts
/// and the forecast now.
public struct DashboardData: Sendable {
    public struct Point: Sendable, Equatable {
        public let label: String
        public let value: Double
    }

    public struct Series: Sendable, Equatable {
        public let name: String
        public let points: [Point]
    }

    /// Revenue per day and platform, one chart per currency (minor units).
    public var revenue: [(currency: String, series: [Series])] = []
    /// Units per SKU over the window, best first.
    public var topSKUs: [Point] = []
    /// The SKU-warehouses with the fewest days of cover (`sku @ warehouse`).
    public var cover: [Point] = []
    /// Open receivables per currency and age bucket (minor units).
    public var ageing: [(currency: String, buckets: [Point])] = []
    /// Retention per cohort month: months since the first order → percent.
    public var cohorts: [(cohort: String, customers: Int, retention: [Int: Double])] = []
    /// The best seller's weekly units so far, and its forecast with the 80 % interval.
    public var forecastSKU: String?
    public var history: [Point] = []
    public var forecast: [(week: String, units: Double, lower: Double, upper: Double)] = []
    public var window: (from: String, to: String)?
    public var generatedAt = Date()

    public init() {}

    public static func read(schema: String = "analytics", _ pool: PostgresPool) async throws -> DashboardData {
        func sql(_ text: String) -> PostgresQuery {
            PostgresQuery(unsafeSQL: text.replacingOccurrences(of: "{a}", with: PostgresQuery.quoteIdentifier(schema)))
        }
        var data = DashboardData()
        let window = "day > (SELECT max(day) FROM {a}.sales_daily) - 90"
        if let row = try await pool.query(sql("SELECT (max(day) - 89)::text, max(day)::text FROM {a}.sales_daily")).first,
            let to = try row.decode(String?.self, at: 1)
        {
            data.window = (try row.decode(String.self, at: 0), to)
        }
        var revenue: [String: [String: [Point]]] = [:]
        for row in try await pool.query(
            sql(
                "SELECT currency, platform, day::text, sum(revenue_minor)::bigint FROM {a}.sales_daily WHERE \(window) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            ))
        {
            revenue[try row.decode(String.self, at: 0), default: [:]][try row.decode(String.self, at: 1), default: []].append(
                Point(label: try row.decode(String.self, at: 2), value: Double(try row.decode(Int64.self, at: 3))))
        }
        data.revenue = revenue.sorted { $0.key < $1.key }.map { currency, platforms in
            (currency, platforms.sorted { $0.key < $1.key }.map { Series(name: $0.key, points: $0.value) })
        }
        data.topSKUs = try await pool.query(
            sql("SELECT sku, sum(units)::bigint FROM {a}.sales_daily WHERE \(window) GROUP BY sku ORDER BY 2 DESC, 1 LIMIT 10")
        ).map { Point(label: try $0.decode(String.self, at: 0), value: Double(try $0.decode(Int64.self, at: 1))) }
        data.cover = try await pool.query(
            sql(
                "SELECT sku || ' @ ' || warehouse, days_of_cover::float8 FROM {a}.inventory_health WHERE days_of_cover IS NOT NULL ORDER BY 2, 1 LIMIT 10"
            )
        ).map { Point(label: try $0.decode(String.self, at: 0), value: try $0.decode(Double.self, at: 1)) }
        var ageing: [String: [Point]] = [:]
        for row in try await pool.query(sql("SELECT currency, bucket, sum(open_minor)::bigint FROM {a}.ar_ageing GROUP BY 1, 2")) {
            ageing[try row.decode(String.self, at: 0), default: []].append(
                Point(label: try row.decode(String.self, at: 1), value: Double(try row.decode(Int64.self, at: 2))))
        }
        let order = ["current", "1-30", "31-60", "61-90", ">90"]
        data.ageing = ageing.sorted { $0.key < $1.key }.map { currency, buckets in
            (currency, order.map { bucket in buckets.first { $0.label == bucket } ?? Point(label: bucket, value: 0) })
        }
        var cohorts: [String: (Int, [Int: Double])] = [:]
        for row in try await pool.query(
            sql(
                """
                SELECT to_char(cohort_month, 'YYYY-MM'), cohort_customers::int, months_since_first, retention_percent::float8 FROM {a}.cohorts_monthly
                WHERE cohort_month >= (SELECT max(cohort_month) FROM {a}.cohorts_monthly) - interval '11 months' AND months_since_first <= 6
                """))
        {
            let cohort = try row.decode(String.self, at: 0)
            let size = try row.decode(Int.self, at: 1)
            var entry = cohorts[cohort] ?? (size, [:])
            entry.1[try row.decode(Int.self, at: 2)] = try row.decode(Double.self, at: 3)
            cohorts[cohort] = entry
        }
        data.cohorts = cohorts.sorted { $0.key < $1.key }.map { ($0.key, $0.value.0, $0.value.1) }
        data.forecastSKU = data.topSKUs.first?.label
        if let sku = data.forecastSKU {
            data.history = try await pool.query(
                sql(
                    """
                    SELECT date_trunc('week', day)::date::text, sum(units)::bigint FROM {a}.sales_daily
                    WHERE sku = $1 AND day > (SELECT max(day) FROM {a}.sales_daily) - 84 GROUP BY 1 ORDER BY 1
                    """
                ).withBinds([sku])
            ).map { Point(label: try $0.decode(String.self, at: 0), value: Double(try $0.decode(Int64.self, at: 1))) }
            data.forecast = try await pool.query(
                sql("SELECT week_start::text, units::float8, lower_80::float8, upper_80::float8 FROM {a}.forecast_weekly WHERE sku = $1 ORDER BY 1")
                    .withBinds([sku])
            ).map {
                (
                    try $0.decode(String.self, at: 0), try $0.decode(Double.self, at: 1), try $0.decode(Double.self, at: 2),
                    try $0.decode(Double.self, at: 3)
                )
            }
        }
        return data
    }
}

extension PostgresQuery {
    func withBinds(_ values: [String]) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: values) }
}
