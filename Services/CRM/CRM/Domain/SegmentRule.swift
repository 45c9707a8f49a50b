import Contracts
import Foundation
import Postgres

/// A rule segment's condition: a JSON tree of `{"all": [...]}`, `{"any": [...]}`,
/// `{"not": {...}}` and leaves `{"field": F, "op": OP, "value": V}` over what the CRM knows of
/// a live, not forgotten customer:
///
/// | field | kind | ops |
/// |---|---|---|
/// | `orders` | purchases (not cancelled, split, merged or sent free) | `=` `!=` `<` `<=` `>` `>=` |
/// | `spend` | minor units of the shop's currency, less refunds | same |
/// | `last_order_days` | days since the last purchase (absent: none) | same |
/// | `last_order_at` | the last purchase's time, ISO 8601 | same |
/// | `r`, `f`, `m` | RFM scores 1–5 | same |
/// | `rfm_segment` | the RFM segment's name | `=` `!=` `in` |
/// | `language` | the customer's language | `=` `!=` `in` |
/// | `tags`, `platforms`, `skus`, `categories` | the customer's tags, the platforms and SKUs they bought on/of, the catalog categories of those SKUs | `has` `has_any` |
///
/// Checked when it is saved: an unknown field, an operator the field has not, or a value of
/// the wrong kind is refused with the path to it. At most 100 nodes, 8 deep.
public indirect enum SegmentRule: Sendable, Equatable {
    case all([SegmentRule])
    case any([SegmentRule])
    case not(SegmentRule)
    case compare(field: String, op: String, value: JSONValue)

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    enum Kind { case number, time, text, set }

    static let fields: [String: Kind] = [
        "orders": .number, "spend": .number, "last_order_days": .number, "last_order_at": .time, "r": .number, "f": .number, "m": .number,
        "rfm_segment": .text, "language": .text, "tags": .set, "platforms": .set, "skus": .set,
        "categories": .set,
    ]
    static let operators: [Kind: [String]] = [
        .number: ["=", "!=", "<", "<=", ">", ">="], .time: ["=", "!=", "<", "<=", ">", ">="], .text: ["=", "!=", "in"], .set: ["has", "has_any"],
    ]

    public static func parse(_ source: String) throws -> SegmentRule {
        guard source.utf8.count <= 64 * 1_024 else { throw Invalid(description: "a rule is at most 64 KiB of JSON") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(source.utf8)) else {
            throw Invalid(description: "a rule is JSON, such as {\"all\": [{\"field\": \"spend\", \"op\": \">=\", \"value\": 100000}]}")
        }
        var nodes = 0
        return try parse(value, path: "rule", depth: 0, nodes: &nodes)
    }

    static func parse(_ value: JSONValue, path: String, depth: Int, nodes: inout Int) throws -> SegmentRule {
        nodes += 1
        guard nodes <= 100 else { throw Invalid(description: "a rule has at most 100 conditions") }
        guard depth < 8 else { throw Invalid(description: "\(path): a rule nests at most 8 deep") }
        guard case .object(let fields) = value else { throw Invalid(description: "\(path) is an object: all, any, not, or a field condition") }
        if fields.count == 1, let (key, inner) = fields.first, ["all", "any", "not"].contains(key) {
            if key == "not" { return .not(try parse(inner, path: "\(path).not", depth: depth + 1, nodes: &nodes)) }
            guard case .array(let parts) = inner, !parts.isEmpty else {
                throw Invalid(description: "\(path).\(key) is a list of conditions, not empty")
            }
            let rules = try parts.enumerated().map { try parse($1, path: "\(path).\(key)[\($0)]", depth: depth + 1, nodes: &nodes) }
            return key == "all" ? .all(rules) : .any(rules)
        }
        guard Set(fields.keys) == ["field", "op", "value"], case .string(let field)? = fields["field"], case .string(let op)? = fields["op"],
            let operand = fields["value"]
        else { throw Invalid(description: "\(path) is {\"field\": ..., \"op\": ..., \"value\": ...} or all/any/not") }
        guard let kind = Self.fields[field] else {
            throw Invalid(description: "\(path): unknown field \"\(field)\" (known: \(Self.fields.keys.sorted().joined(separator: ", ")))")
        }
        let ops = operators[kind] ?? []
        guard ops.contains(op) else { throw Invalid(description: "\(path): \(field) takes \(ops.joined(separator: " ")), not \(op)") }
        switch (kind, op, operand) {
        case (.number, _, .integer): break
        case (.time, _, .string(let text)) where ISODateTime.parse(text) != nil: break
        case (.text, "in", .array(let items)) where !items.isEmpty && items.allSatisfy({ $0.text != nil }): break
        case (.text, _, .string) where op != "in": break
        case (.set, "has", .string(let text)) where !text.isEmpty: break
        case (.set, "has_any", .array(let items)) where !items.isEmpty && items.allSatisfy({ $0.text?.isEmpty == false }): break
        default:
            let expected =
                switch (kind, op) {
                case (.number, _): "a whole number"
                case (.time, _): "an ISO 8601 time"
                case (.text, "in"), (.set, "has_any"): "a list of texts"
                default: "a text"
                }
            throw Invalid(description: "\(path): \(field) \(op) takes \(expected)")
        }
        if case .string(let text) = operand, text.contains("\u{0}") { throw Invalid(description: "\(path): a value has no NUL character") }
        return .compare(field: field, op: op, value: operand)
    }

    /// The condition as SQL over a row `s` of the customers' figures (see `RuleSegmentStore`),
    /// every value bound.
    func sql(into query: inout PostgresQuery.StringInterpolation) {
        switch self {
        case .all(let rules), .any(let rules):
            let joiner = if case .all = self { " AND " } else { " OR " }
            query.appendLiteral("(")
            for (index, rule) in rules.enumerated() {
                if index > 0 { query.appendLiteral(joiner) }
                rule.sql(into: &query)
            }
            query.appendLiteral(")")
        case .not(let rule):
            query.appendLiteral("NOT coalesce(")
            rule.sql(into: &query)
            query.appendLiteral(", false)")
        case .compare(let field, let op, let value):
            let column = "s.\(field)"
            switch (Self.fields[field], op, value) {
            case (.number, _, .integer(let number)):
                query.appendLiteral("\(column) \(op) ")
                query.appendInterpolation(number)
            case (.time, _, .string(let text)):
                query.appendLiteral("\(column) \(op) ")
                query.appendInterpolation(text)
                query.appendLiteral("::timestamptz")
            case (.text, "in", .array(let items)):
                query.appendLiteral("\(column) = ANY(")
                query.appendInterpolation(items.compactMap(\.text))
                query.appendLiteral("::text[])")
            case (.text, _, .string(let text)):
                query.appendLiteral("\(column) \(op == "!=" ? "IS DISTINCT FROM" : "=") ")
                query.appendInterpolation(text)
            case (.set, "has", .string(let text)):
                query.appendLiteral("\(column) @> ARRAY[")
                query.appendInterpolation(text)
                query.appendLiteral("]::text[]")
            case (.set, _, .array(let items)):
                query.appendLiteral("\(column) && ")
                query.appendInterpolation(items.compactMap(\.text))
                query.appendLiteral("::text[]")
            default: query.appendLiteral("false")
            }
        }
    }
}
