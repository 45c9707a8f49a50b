import Contracts
import Foundation

/// A custom report: a query over the analytics views kept under a name, with typed
/// parameters written `{{name}}` in its SQL. Pure rules: what may be saved, and the statement
/// and binds a run with given values becomes. It runs as `erp_analyst` on the replica, so it
/// can neither write nor read a service's tables, whatever its text.
public struct SavedReport: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable, Codable {
        case date, text, integer, numeric, boolean

        var cast: String {
            switch self {
            case .date: return "date"
            case .text: return "text"
            case .integer: return "bigint"
            case .numeric: return "numeric"
            case .boolean: return "boolean"
            }
        }
    }

    public struct Parameter: Sendable, Equatable {
        public let name: String
        public let kind: Kind
    }

    public let name: String
    public let sql: String
    public let parameters: [Parameter]
    public let description: String

    public static let maxSQLLength = 100_000

    /// A report that may be saved, or why not.
    public init(name: String, sql: String, parameters: [AnalyticsCommand.SaveReport.Parameter], description: String) throws(CommandRefused) {
        guard Self.isName(name) else {
            throw CommandRefused("validation", "a report name is 1 to 64 lower-case letters, digits, '-' or '_', not '\(Self.printable(name))'")
        }
        let text = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw CommandRefused("validation", "the report's SQL is empty") }
        guard text.utf8.count <= Self.maxSQLLength else {
            throw CommandRefused("validation", "the report's SQL is longer than \(Self.maxSQLLength) bytes")
        }
        guard !text.contains("\u{0}"), !description.contains("\u{0}") else {
            throw CommandRefused("validation", "the report holds a NUL character")
        }
        guard description.count <= 500 else { throw CommandRefused("validation", "a report's description is at most 500 characters") }
        var declared: [Parameter] = []
        for parameter in parameters {
            guard Self.isName(parameter.name) else {
                throw CommandRefused(
                    "validation", "a parameter name is 1 to 64 lower-case letters, digits, '-' or '_', not '\(Self.printable(parameter.name))'")
            }
            guard let kind = Kind(rawValue: parameter.type) else {
                throw CommandRefused(
                    "validation",
                    "parameter \(parameter.name) has type '\(Self.printable(parameter.type))': use \(Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard !declared.contains(where: { $0.name == parameter.name }) else {
                throw CommandRefused("validation", "parameter \(parameter.name) is declared twice")
            }
            declared.append(Parameter(name: parameter.name, kind: kind))
        }
        let used = Set(Self.placeholders(in: text))
        let names = Set(declared.map(\.name))
        if let missing = used.subtracting(names).sorted().first {
            throw CommandRefused("validation", "the SQL uses {{\(missing)}}, which is not declared (--param \(missing):TYPE)")
        }
        if let unused = names.subtracting(used).sorted().first {
            throw CommandRefused("validation", "parameter \(unused) is declared but the SQL never uses {{\(unused)}}")
        }
        (self.name, self.sql, self.parameters, self.description) = (name, text, declared, description)
    }

    /// The statement to run, `{{name}}` replaced by `$n::type`, and its binds from `values`
    /// (`name` → text as typed), each checked against its parameter's type.
    public func statement(_ values: [String: String]) throws(CommandRefused) -> (sql: String, binds: [String]) {
        if let unknown = Set(values.keys).subtracting(parameters.map(\.name)).sorted().first {
            throw CommandRefused(
                "validation",
                "report \(name) has no parameter \(Self.printable(unknown)) (its parameters: \(parameters.isEmpty ? "none" : parameters.map(\.name).joined(separator: ", ")))"
            )
        }
        var binds: [String] = []
        for parameter in parameters {
            guard let value = values[parameter.name] else {
                throw CommandRefused("validation", "report \(name) needs --param \(parameter.name)=<\(parameter.kind.rawValue)>")
            }
            guard Self.valid(value, parameter.kind) else {
                throw CommandRefused("validation", "--param \(parameter.name): '\(Self.printable(value))' is not a \(parameter.kind.rawValue)")
            }
            binds.append(value)
        }
        return (positional, binds)
    }

    /// The SQL with each `{{name}}` as `$n::type` (n: the parameter's place).
    public var positional: String {
        var text = sql
        for (index, parameter) in parameters.enumerated() {
            text = text.replacingOccurrences(of: "{{\(parameter.name)}}", with: "$\(index + 1)::\(parameter.kind.cast)")
        }
        return text
    }

    static func valid(_ value: String, _ kind: Kind) -> Bool {
        guard !value.contains("\u{0}"), value.count <= 1_000 else { return false }
        switch kind {
        case .date: return (try? BusinessDate(value)) != nil
        case .text: return true
        case .integer: return Int64(value) != nil
        case .numeric:
            return Decimal(string: value, locale: Locale(identifier: "en_US_POSIX")) != nil && value.allSatisfy { "0123456789.-+eE".contains($0) }
        case .boolean: return ["true", "false"].contains(value)
        }
    }

    static func isName(_ text: String) -> Bool {
        (1...64).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// The names of the `{{name}}` placeholders in `sql`, in order.
    static func placeholders(in sql: String) -> [String] {
        var names: [String] = []
        var rest = sql[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return names
    }

    static func printable(_ text: String) -> String { String(text.replacingOccurrences(of: "\u{0}", with: "\\0").prefix(80)) }
}
