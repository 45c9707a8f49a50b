import Foundation
import Postgres
import ServiceKit

/// `erpctl crm satisfaction`: how satisfied customers say they are.
public struct SurveyQueries: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    public enum Grouping: String, Sendable, CaseIterable {
        case month, platform, sku
    }

    /// Per group, of the surveys sent between `from` and `to` (their invitation time): sent,
    /// answered, response rate (%), CSAT average, and NPS: promoters (9–10) less detractors
    /// (0–6), as a percentage of those who gave an NPS.
    public func satisfaction(from: Date?, to: Date?, by grouping: Grouping, _ pool: PostgresPool) async throws -> ReportTable {
        let s = schema
        let group: String =
            switch grouping {
            case .month: "to_char(date_trunc('month', v.invited_at), 'YYYY-MM')"
            case .platform: "o.platform"
            case .sku: "sku"
            }
        let skus = grouping == .sku ? ", unnest(CASE WHEN cardinality(o.skus) = 0 THEN ARRAY['(unknown)'] ELSE o.skus END) AS sku" : ""
        let rows = try await pool.query(
            """
            SELECT \(unescaped: group) AS \(unescaped: grouping.rawValue), count(*) AS sent, count(v.answered_at) AS answered,
                   round(100.0 * count(v.answered_at) / count(*), 1) AS response_rate,
                   round(avg(v.csat), 2) AS csat,
                   round(100.0 * (count(*) FILTER (WHERE v.nps >= 9) - count(*) FILTER (WHERE v.nps <= 6)) / nullif(count(v.nps), 0), 1) AS nps
            FROM \(identifier: s).surveys v JOIN \(identifier: s).customer_orders o ON o.order_id = v.order_id\(unescaped: skus)
            WHERE v.invited_at IS NOT NULL
              AND (\(from)::timestamptz IS NULL OR v.invited_at >= \(from))
              AND (\(to)::timestamptz IS NULL OR v.invited_at < \(to))
            GROUP BY 1 ORDER BY 1
            """)
        return ReportTable(rows, numeric: ["sent", "answered", "response_rate", "csat", "nps"])
    }
}
