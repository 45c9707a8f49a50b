import Foundation

/// The part of JSON Schema (draft 2020-12) that the ingest formats use, checked against a
/// ``StrictJSON`` document: `type` (`integer` means a number written without fraction or
/// exponent), `required`, `properties`, `additionalProperties: false`, `items`, `minItems`,
/// `maxItems`, `minLength`, `maxLength`, `pattern`, `enum`, `minimum`, `maximum`,
/// `format: date-time` and `$ref` to `#/$defs/...`. A schema that uses any other
/// validation keyword is refused when it is loaded, so that no rule is silently skipped.
public struct JSONSchema: Sendable {
    /// Why a document does not follow the schema. `structural` failures (a wrong type, a
    /// missing or unknown field) mean the message is not in the format at all; the others
    /// (a value out of range, too long, not matching its pattern) that a value is wrong.
    public struct Violation: Error, Equatable, Sendable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public let structural: Bool
        public var description: String { path.isEmpty ? reason : "\(path) \(reason)" }
    }

    /// One schema (object) of the document; immutable once loaded.
    @dynamicMemberLookup
    final class Node: Sendable {
        let rules: Rules
        init(_ rules: Rules) { self.rules = rules }
        subscript<T>(dynamicMember keyPath: KeyPath<Rules, T>) -> T { rules[keyPath: keyPath] }
    }

    /// What one schema requires, gathered while it is loaded.
    struct Rules: Sendable {
        var types: [String]?
        var required: [String] = []
        var properties: [(String, Node)] = []
        var closed = false
        var items: Node?
        var minItems: Int?, maxItems: Int?
        var minLength: Int?, maxLength: Int?
        var pattern: (text: String, regex: NSRegularExpression)?
        var enumeration: [String]?
        var minimum: Int64?, maximum: Int64?
        var dateTime = false
        var description: String?
        var reference: String?
    }

    let root: Node
    let definitions: [String: Node]

    /// Loads a schema from its JSON text; throws if it is not JSON or uses what this
    /// checker does not know.
    public init(_ text: String) throws {
        let document = try StrictJSON.parse(Data(text.utf8))
        var definitions: [String: Node] = [:]
        if case .object(let members)? = document["$defs"] {
            for member in members { definitions[member.key] = try Self.node(member.value, at: "$defs.\(member.key)") }
        }
        root = try Self.node(document, at: "")
        self.definitions = definitions
        for (name, node) in [("", root)] + definitions.map({ ($0.key, $0.value) }) { try check(references: node, at: name) }
    }

    private func check(references node: Node, at path: String) throws {
        if let reference = node.reference, definitions[reference] == nil {
            throw JSONSchemaError("\(path): $ref to an unknown definition '\(reference)'")
        }
        var seen: Set<String> = []
        var next = node.reference
        while let reference = next {
            guard seen.insert(reference).inserted else { throw JSONSchemaError("\(path): $ref cycle through '\(reference)'") }
            next = definitions[reference]?.reference
        }
        for (name, child) in node.properties { try check(references: child, at: "\(path).\(name)") }
        if let items = node.items { try check(references: items, at: "\(path)[]") }
    }

    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "default", "$defs", "examples", "$comment"]

    static func node(_ json: StrictJSON, at path: String) throws -> Node {
        guard case .object(let members) = json else { throw JSONSchemaError("\(path): a schema is an object") }
        var node = Rules()
        for member in members {
            let value = member.value
            switch (member.key, value) {
            case ("type", .string(let type)): node.types = [type]
            case ("type", .array(let types)): node.types = types.compactMap { if case .string(let t) = $0 { t } else { nil } }
            case ("required", .array(let names)): node.required = names.compactMap { if case .string(let n) = $0 { n } else { nil } }
            case ("properties", .object(let properties)):
                node.properties = try properties.map { ($0.key, try Self.node($0.value, at: "\(path).\($0.key)")) }
            case ("additionalProperties", .bool(let allowed)): node.closed = !allowed
            case ("items", _): node.items = try Self.node(value, at: "\(path)[]")
            case ("minItems", .number(let n)): node.minItems = Int(n)
            case ("maxItems", .number(let n)): node.maxItems = Int(n)
            case ("minLength", .number(let n)): node.minLength = Int(n)
            case ("maxLength", .number(let n)): node.maxLength = Int(n)
            case ("minimum", .number(let n)), ("maximum", .number(let n)):
                guard let bound = Int64(n) else { throw JSONSchemaError("\(path): \(member.key) \(n) is not an integer this checker takes") }
                if member.key == "minimum" { node.minimum = bound } else { node.maximum = bound }
            case ("pattern", .string(let pattern)): node.pattern = (pattern, try NSRegularExpression(pattern: pattern))
            case ("enum", .array(let values)): node.enumeration = values.compactMap { if case .string(let v) = $0 { v } else { nil } }
            case ("format", .string("date-time")): node.dateTime = true
            case ("$ref", .string(let reference)):
                guard reference.hasPrefix("#/$defs/") else { throw JSONSchemaError("\(path): only $ref to #/$defs/... is supported") }
                node.reference = String(reference.dropFirst("#/$defs/".count))
            case ("description", .string(let text)): node.description = text
            case (let key, _) where annotations.contains(key) || key.hasPrefix("x-"): break
            default: throw JSONSchemaError("\(path): '\(member.key)' is not supported by this checker")
            }
        }
        let validating = Set(members.map(\.key)).subtracting(annotations).filter { !$0.hasPrefix("x-") }
        if node.reference != nil && validating.count > 1 {
            throw JSONSchemaError(
                "\(path): $ref beside other keywords (\(validating.sorted().joined(separator: ", "))) is not supported by this checker")
        }
        return Node(node)
    }

    /// The first way `document` breaks the schema, or nil.
    public func violation(of document: StrictJSON) -> Violation? {
        var found: Violation?
        check(document, against: root, path: [], found: &found)
        return found
    }

    /// The node a `$ref` (or a chain of them) stands for; a cycle was refused when loading.
    private func resolved(_ node: Node) -> Node {
        var current = node
        for _ in 0..<16 {
            guard let reference = current.reference, let next = definitions[reference] else { return current }
            current = next
        }
        return current
    }

    private func check(_ value: StrictJSON, against schema: Node, path: [String], found: inout Violation?) {
        guard found == nil else { return }
        let node = resolved(schema)
        let at = StrictJSONParser.render(path)
        func fail(_ reason: String, structural: Bool = false) { found = Violation(path: at, reason: reason, structural: structural) }
        if let types = node.types, !types.contains(where: { Self.value(value, is: $0) }) {
            let what =
                value.kind == "number" && types == ["integer"]
                ? "a number with a fraction or exponent (\(Self.literal(value)))" : "\(Self.article(value.kind))"
            return fail("is \(what), expected \(types.map(Self.article).joined(separator: " or "))", structural: true)
        }
        if let allowed = node.enumeration {
            guard case .string(let text) = value, allowed.contains(text) else {
                return fail("\(Self.literal(value)) is not one of \(allowed.joined(separator: ", "))")
            }
        }
        switch value {
        case .object(let members):
            // Unknown fields first: a misspelt or aliased key is the likelier story than a missing one.
            if node.closed, let unknown = members.first(where: { member in !node.properties.contains { $0.0 == member.key } }) {
                return fail("\(at.isEmpty ? "the message" : "the object") has an unknown field '\(unknown.key)'", structural: true)
            }
            for name in node.required where !members.contains(where: { $0.key == name }) {
                found = Violation(path: StrictJSONParser.render(path + [name]), reason: "is missing (required)", structural: true)
                return
            }
            for member in members {
                if let child = node.properties.first(where: { $0.0 == member.key })?.1 {
                    check(member.value, against: child, path: path + [member.key], found: &found)
                }
                if found != nil { return }
            }
        case .array(let items):
            if let least = node.minItems, items.count < least { return fail("has \(items.count) item(s), at least \(least) expected") }
            if let most = node.maxItems, items.count > most { return fail("has \(items.count) items, at most \(most) are taken") }
            if let itemSchema = node.items {
                for (index, item) in items.enumerated() {
                    check(item, against: itemSchema, path: path + ["[\(index)]"], found: &found)
                    if found != nil { return }
                }
            }
        case .string(let text):
            // JSON Schema counts code points, not grapheme clusters (a letter with a thousand combining marks is long).
            let length = text.unicodeScalars.count
            if let least = node.minLength, length < least { return fail(least == 1 ? "is empty" : "is shorter than \(least) characters") }
            if let most = node.maxLength, length > most { return fail("is \(length) characters long, at most \(most) are taken") }
            if let pattern = node.pattern {
                let range = NSRange(text.startIndex..., in: text)
                let match = pattern.regex.firstMatch(in: text, range: range)
                // ICU's `$` also matches before a final newline; ECMA-262's (JSON Schema's) does not.
                let endsEarly = pattern.text.hasSuffix("$") && match.map { $0.range.upperBound != range.upperBound } == true
                if match == nil || endsEarly {
                    return fail("'\(text)' is not \(node.description ?? "of the form \(pattern.text)")")
                }
            }
            if node.dateTime && ISODateTime.parse(text) == nil {
                return fail("'\(text)' is not an ISO 8601 date-time of a day that exists, such as 2026-11-28T10:15:00Z")
            }
        case .number(let literal):
            guard node.minimum != nil || node.maximum != nil else { return }
            // An integer (checked above when the type says so) too large for 64 bits is out of any range.
            guard let number = Int64(literal) else {
                return fail("\(literal) is out of range" + (node.maximum.map { ": at most \($0)" } ?? ""))
            }
            if let least = node.minimum, number < least { return fail("\(literal) is below the minimum \(least)") }
            if let most = node.maximum, number > most { return fail("\(literal) is out of range: at most \(most)") }
        case .bool, .null:
            break
        }
    }

    static func value(_ value: StrictJSON, is type: String) -> Bool {
        switch (type, value) {
        case ("integer", .number(let literal)): return !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        default: return value.kind == type
        }
    }

    static func article(_ kind: String) -> String {
        switch kind {
        case "object", "array", "integer": return "an \(kind)"
        case "null": return "null"
        default: return "a \(kind)"
        }
    }

    static func literal(_ value: StrictJSON) -> String {
        switch value {
        case .string(let text): return "'\(text)'"
        case .number(let literal): return literal
        case .bool(let flag): return String(flag)
        case .null: return "null"
        case .object: return "an object"
        case .array: return "an array"
        }
    }
}

/// A schema this checker cannot take.
public struct JSONSchemaError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
