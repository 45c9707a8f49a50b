import Contracts
import Foundation
import Postgres

/// A report's rows, printed as an aligned table for people, as CSV for spreadsheets, or as
/// a JSON array of objects for programs (`--json`); numeric columns stay numbers in JSON.
public struct ReportTable: Sendable, Equatable {
    public let columns: [String]
    public let rows: [[String?]]
    public let numericColumns: Set<String>

    public init(columns: [String], rows: [[String?]], numericColumns: Set<String> = []) {
        self.columns = columns
        self.rows = rows
        self.numericColumns = numericColumns
    }

    /// The rows of a query, every column kept; `numeric` names the columns that are numbers.
    public init(_ result: PostgresRows, numeric: Set<String> = []) {
        self.init(columns: result.columns, rows: result.map { row in result.columns.map { row[$0] } }, numericColumns: numeric)
    }

    public var table: String {
        guard !rows.isEmpty else { return "(no rows)" }
        let header = columns.map { $0.uppercased().replacingOccurrences(of: "_", with: " ") }
        let cells = [header] + rows.map { $0.map { $0 ?? "-" } }
        let widths = columns.indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { row in
            row.enumerated().map { index, cell in
                numericColumns.contains(columns[index]) && row != header
                    ? String(repeating: " ", count: widths[index] - cell.count) + cell
                    : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    /// RFC 4180: a header line, then a line per row; a field with a comma, quote or line
    /// break is quoted (quotes doubled); an absent value is empty.
    public var csv: String {
        ([Self.csvLine(columns)] + rows.map { Self.csvLine($0.map { $0 ?? "" }) }).joined(separator: "\n")
    }

    public static func csvLine(_ fields: [String]) -> String {
        fields.map { $0.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
            .joined(separator: ",")
    }

    public var json: String {
        let objects: [JSONValue] = rows.map { row in
            var object: [String: JSONValue] = [:]
            for (column, value) in zip(columns, row) {
                guard let value else {
                    object[column] = .null
                    continue
                }
                if numericColumns.contains(column) {
                    object[column] = Int64(value).map(JSONValue.integer) ?? Double(value).map(JSONValue.number) ?? .string(value)
                } else {
                    object[column] = .string(value)
                }
            }
            return .object(object)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(JSONValue.array(objects))) ?? Data("[]".utf8), as: UTF8.self)
    }
}
