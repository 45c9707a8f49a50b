import Foundation
import Postgres

/// Keeps the closing stock of a UTC day per SKU and warehouse (what `stock_daily` shows for
/// past days): the inventory's levels and lot values as they are when the day has ended.
/// Taken once per day; a day missed while the runner was down stays missing. It reads the
/// views, so it needs `erpctl migrate` to have made them (as does the forecast).
struct StockSnapshotJob: Sendable {
    let schemas: AnalyticsSchemas

    /// Today's live rows of `stock_daily` (levels and lot values as they are now), kept as the day's close.
    static let sql = """
        INSERT INTO {analytics}.stock_snapshots (day, sku, warehouse, on_hand, reserved, available, value_minor, value_currency, taken_at)
        SELECT $1::date, sku, warehouse, on_hand, reserved, available, value_minor, value_currency, $2::timestamptz
        FROM {analytics}.stock_daily WHERE live
        ON CONFLICT (day, sku, warehouse) DO NOTHING
        """

    /// Snapshots the day that ended last before `now`; how many rows it wrote.
    func run(now: Date, in tx: PostgresTransaction) async throws -> String {
        let day = Self.dayEnded(before: now)
        let written = try await tx.query(PostgresQuery(unsafeSQL: schemas.substitute(Self.sql), binds: [day, now])).affectedRows
        return "closing stock of \(day): \(written) SKU-warehouse rows"
    }

    /// The UTC date of the day before `now`'s.
    static func dayEnded(before now: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: now.addingTimeInterval(-86_400))
    }
}
