import Contracts
import Foundation
import Postgres
import ServiceKit

/// What an analysis prints: one or more titled tables. For people an aligned table per
/// section; for programs CSV (each section after a `# title` line) or one JSON object with an
/// array of rows per section. Amounts come from the views in minor units beside a currency and
/// are shown in that currency's decimals (`revenue_minor` 1999 CNY → `revenue` 19.99).
public struct AnalyticsReport: Sendable, Equatable {
    public struct Section: Sendable, Equatable {
        public let id: String
        public let title: String
        public let table: ReportTable
    }

    public enum Format: String, CaseIterable, Sendable { case table, csv, json }

    public var sections: [Section] = []

    public init(sections: [Section] = []) { self.sections = sections }

    /// Adds the rows of `result` as a section, its `_minor` columns in decimals of the row's `currency`.
    mutating func add(_ id: String, _ title: String, _ result: PostgresRows, numeric: Set<String> = []) throws {
        let money = result.columns.filter { $0.hasSuffix("_minor") }
        let columns = result.columns.map { $0.hasSuffix("_minor") ? String($0.dropLast("_minor".count)) : $0 }
        var rows: [[String?]] = []
        for row in result {
            let currency = result.columns.contains("currency") ? row["currency"].flatMap { try? Currency(code: $0) } : nil
            rows.append(
                result.columns.map { column in
                    guard money.contains(column), let value = row[column], let minor = Int64(value), let currency else { return row[column] }
                    return Money(minorUnits: minor, currency: currency).decimalString
                })
        }
        sections.append(
            Section(
                id: id, title: title,
                table: ReportTable(columns: columns, rows: rows, numericColumns: numeric.union(money.map { String($0.dropLast(6)) }))))
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .table:
            return sections.map { "\($0.title)\n\n\($0.table.table)" }.joined(separator: "\n\n")
        case .csv:
            return sections.map { "# \($0.title)\n\($0.table.csv)" }.joined(separator: "\n\n")
        case .json:
            return "{\n"
                + sections.map { section in
                    let rows = section.table.json.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ")
                    return "  \"\(section.id)\": \(rows)"
                }.joined(separator: ",\n") + "\n}"
        }
    }
}
