import Contracts
import Foundation

/// A rule's condition on its event's fields, all of which must hold (`{}` always does):
///
/// - `platform`: the event's platform (`platform`, or its order snapshot's);
/// - `from`, `to`: a status change's statuses (an order's, a ticket's, a segment's);
/// - `amount_at_least`: minor units; the event's amount (`total`, `gross`, `amount`, or its
///   snapshot's total) is at least this;
/// - `sku`: the event is about this SKU (`sku`, or one of its lines');
/// - `warehouse`: the event's warehouse.
///
/// Validated when a rule is added: an unknown key or a value of the wrong kind is refused.
public struct NotificationCondition: Sendable, Equatable, Codable {
    public var platform: String?
    public var from: String?
    public var to: String?
    public var amountAtLeast: Int64?
    public var sku: String?
    public var warehouse: String?

    public init(
        platform: String? = nil, from: String? = nil, to: String? = nil, amountAtLeast: Int64? = nil, sku: String? = nil, warehouse: String? = nil
    ) {
        (self.platform, self.from, self.to, self.amountAtLeast, self.sku, self.warehouse) = (platform, from, to, amountAtLeast, sku, warehouse)
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    static let keys = ["platform", "from", "to", "amount_at_least", "sku", "warehouse"]

    /// Reads a condition from its JSON text, refusing unknown keys and wrong kinds.
    public static func parse(_ source: String) throws -> NotificationCondition {
        guard source.utf8.count <= 4_096 else { throw Invalid(description: "a condition is at most 4 KiB of JSON") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(source.utf8)), case .object(let fields) = value else {
            throw Invalid(description: "a condition is a JSON object, such as {\"to\": \"shipped\"}")
        }
        if let unknown = fields.keys.sorted().first(where: { !keys.contains($0) }) {
            throw Invalid(description: "unknown condition field \"\(unknown)\" (known: \(keys.joined(separator: ", ")))")
        }
        func field(_ key: String) throws -> String? {
            switch fields[key] {
            case nil: return nil
            case .string(let value) where !value.isEmpty && value.count <= 200 && !value.contains("\u{0}"): return value
            default: throw Invalid(description: "condition field \"\(key)\" is a text of 1 to 200 characters")
            }
        }
        var condition = NotificationCondition(
            platform: try field("platform"), from: try field("from"), to: try field("to"), sku: try field("sku"), warehouse: try field("warehouse"))
        switch fields["amount_at_least"] {
        case nil: break
        case .integer(let minor) where minor >= 0: condition.amountAtLeast = minor
        default: throw Invalid(description: "condition field \"amount_at_least\" is a whole number of minor units, 0 or more")
        }
        return condition
    }

    /// The condition as stored (only the fields it has).
    public var json: String {
        var fields: [String: JSONValue] = [:]
        for (key, value) in [("platform", platform), ("from", from), ("to", to), ("sku", sku), ("warehouse", warehouse)] {
            if let value { fields[key] = .string(value) }
        }
        if let amountAtLeast { fields["amount_at_least"] = .integer(amountAtLeast) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(JSONValue.object(fields))) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Whether an event's payload satisfies every field.
    public func holds(for payload: JSONValue) -> Bool {
        let snapshot = payload["snapshot"]
        if let platform, (payload["platform"]?.text ?? snapshot?["platform"]?.text) != platform { return false }
        if let from, payload["from"]?.text != from { return false }
        if let to, payload["to"]?.text != to { return false }
        if let warehouse, payload["warehouse"]?.text != warehouse { return false }
        if let sku {
            let lines = (payload["lines"]?.elements ?? []) + (snapshot?["lines"]?.elements ?? [])
            guard payload["sku"]?.text == sku || lines.contains(where: { $0["sku"]?.text == sku }) else { return false }
        }
        if let amountAtLeast {
            let money = payload["total"] ?? payload["gross"] ?? payload["amount"] ?? snapshot?["total"]
            guard let minor = money?["minor_units"]?.integer, minor >= amountAtLeast else { return false }
        }
        return true
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[key]
    }
    var text: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }
    var integer: Int64? {
        guard case .integer(let value) = self else { return nil }
        return value
    }
    var elements: [JSONValue]? {
        guard case .array(let values) = self else { return nil }
        return values
    }
}
