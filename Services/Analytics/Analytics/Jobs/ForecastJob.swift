import Foundation
import Postgres

/// The nightly demand forecast: for every SKU sold in the last year, its daily units (all
/// platforms, shops and currencies; counted orders by the day they were placed, up to
/// yesterday) go through ``DemandForecast``; the models, the daily forecasts from today and
/// the next eight whole weeks (from the coming Monday) replace the last run's.
struct ForecastJob: Sendable {
    let schemas: AnalyticsSchemas
    static let historyDays = 365
    static let weeks = 8

    func run(now: Date, in tx: PostgresTransaction) async throws -> String {
        let today = Self.utcDay(now)
        let first = today - Self.historyDays
        let rows = try await tx.query(
            PostgresQuery(
                unsafeSQL: schemas.substitute(
                    """
                    SELECT sku, (day - $1::date) AS offset, sum(units)::bigint AS units
                    FROM {analytics}.sales_daily WHERE day >= $1::date AND day < $2::date AND units > 0
                    GROUP BY sku, day ORDER BY sku, day
                    """), binds: [Self.dateText(first), Self.dateText(today)]))
        var histories: [String: [(offset: Int, units: Int64)]] = [:]
        for row in rows {
            histories[try row.decode(String.self, column: "sku"), default: []].append(
                (try row.decode(Int.self, column: "offset"), try row.decode(Int64.self, column: "units")))
        }
        // Weeks start on Mondays: the first is the coming one (today, on a Monday).
        let weekday = ((today + 3) % 7 + 7) % 7  // 0 = Monday (1970-01-01 was a Thursday)
        let skip = (7 - weekday) % 7
        var skus: [String] = [], methods: [String] = [], alphas: [Double?] = [], betas: [Double?] = [], gammas: [Double?] = []
        var phis: [Double?] = [], sigmas: [Double] = [], mases: [Double?] = [], historyDays: [Int] = [], historyUnits: [Int64] = []
        var daySKUs: [String] = [], days: [String] = [], dayUnits: [Double] = []
        var weekSKUs: [String] = [], weekStarts: [String] = [], weekUnits: [Double] = [], lowers: [Double] = [], uppers: [Double] = []
        for (sku, sold) in histories.sorted(by: { $0.key < $1.key }) {
            let start = sold[0].offset
            var series = Array(repeating: 0.0, count: Self.historyDays - start)
            for day in sold { series[day.offset - start] = Double(day.units) }
            let forecast = try DemandForecast(history: series, skip: skip, weeks: Self.weeks, seed: Self.seed(sku))
            skus.append(sku)
            methods.append(forecast.method.rawValue)
            alphas.append(forecast.parameters?.alpha)
            betas.append(forecast.parameters?.beta)
            gammas.append(forecast.parameters?.gamma)
            phis.append(forecast.parameters?.phi)
            sigmas.append(forecast.sigma)
            mases.append(forecast.backtestMASE.flatMap { $0.isFinite ? $0 : nil })
            historyDays.append(series.count)
            historyUnits.append(sold.reduce(0) { $0 + $1.units })
            for (index, units) in forecast.daily.enumerated() {
                daySKUs.append(sku)
                days.append(Self.dateText(today + index))
                dayUnits.append(units)
            }
            for (index, week) in forecast.weekly.enumerated() {
                weekSKUs.append(sku)
                weekStarts.append(Self.dateText(today + skip + 7 * index))
                weekUnits.append(week.units)
                lowers.append(week.lower)
                uppers.append(week.upper)
            }
        }
        let a = schemas.analytics
        try await tx.query("DELETE FROM \(identifier: a).forecast_models")
        try await tx.query("DELETE FROM \(identifier: a).forecast_days")
        try await tx.query("DELETE FROM \(identifier: a).forecast_weeks")
        try await tx.query(
            """
            INSERT INTO \(identifier: a).forecast_models
                (sku, method, alpha, beta, gamma, phi, sigma, backtest_mase, history_days, history_units, computed_at)
            SELECT *, \(now)::timestamptz FROM unnest(\(skus)::text[], \(methods)::text[], \(alphas)::float8[], \(betas)::float8[],
                \(gammas)::float8[], \(phis)::float8[], \(sigmas)::float8[], \(mases)::float8[], \(historyDays)::int[], \(historyUnits)::bigint[])
            """)
        try await tx.query(
            """
            INSERT INTO \(identifier: a).forecast_days (sku, day, units)
            SELECT * FROM unnest(\(daySKUs)::text[], \(days)::date[], \(dayUnits)::float8[])
            """)
        try await tx.query(
            """
            INSERT INTO \(identifier: a).forecast_weeks (sku, week_start, units, lower_80, upper_80)
            SELECT * FROM unnest(\(weekSKUs)::text[], \(weekStarts)::date[], \(weekUnits)::float8[], \(lowers)::float8[], \(uppers)::float8[])
            """)
        let fitted = methods.filter { $0 == DemandForecast.Method.holtWinters.rawValue }.count
        return
            "\(skus.count) SKUs forecast (\(fitted) by Holt-Winters, \(skus.count - fitted) by their mean day), weeks from \(Self.dateText(today + skip))"
    }

    /// Days since 1970-01-01 of `date`'s UTC day.
    static func utcDay(_ date: Date) -> Int { Int(floor(date.timeIntervalSince1970 / 86_400)) }

    static func dateText(_ day: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: Date(timeIntervalSince1970: Double(day) * 86_400))
    }

    /// A seed per SKU, so that a SKU's interval does not move between runs of the same data.
    static func seed(_ sku: String) -> UInt64 { sku.utf8.reduce(1_469_598_103_934_665_603) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 } }
}
