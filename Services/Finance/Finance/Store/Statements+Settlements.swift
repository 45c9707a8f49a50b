import Contracts
import Foundation
import Postgres
import ServiceKit

extension Statements {
    /// Settlement lines booked (of one platform, or all; those with a problem alone if asked).
    public func settlements(platform: String?, problemsOnly: Bool, _ pool: PostgresPool) async throws -> ReportTable {
        let rows = try await pool.query(
            """
            SELECT platform, file, file_row, kind, coalesce(external_id, '') AS external_id, order_id, currency, gross_minor, fee_minor,
                refund_minor, net_minor, payout_date::text AS payout_date, coalesce(problem, '') AS problem
            FROM \(identifier: schema).settlement_lines
            WHERE (\(platform)::text IS NULL OR platform = \(platform)) AND (NOT \(problemsOnly) OR problem IS NOT NULL)
            ORDER BY payout_date, platform, file, file_row
            """)
        return ReportTable(
            columns: [
                "platform", "file", "row", "kind", "external_id", "order", "currency", "gross", "fee", "refund", "net", "payout_date", "problem",
            ],
            rows: try rows.map { row in
                let currency = try Currency(code: try row.decode(String.self, column: "currency"))
                func amount(_ column: String) throws -> String {
                    Money(minorUnits: try row.decode(Int64.self, column: column), currency: currency).decimalString
                }
                return [
                    row["platform"], row["file"], row["file_row"], row["kind"], row["external_id"], row["order_id"], currency.code,
                    try amount("gross_minor"),
                    try amount("fee_minor"), try amount("refund_minor"), try amount("net_minor"), row["payout_date"], row["problem"],
                ]
            }, numericColumns: ["row", "order", "gross", "fee", "refund", "net"])
    }
}
