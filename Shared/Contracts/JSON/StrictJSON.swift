import Foundation

/// A JSON document read strictly (RFC 8259): what a message from outside must be before
/// anything else is looked at. Numbers keep their text, so that `1.0` is not taken for the
/// integer 1 and a number too large for any Swift type is reported as out of range, not
/// as "not JSON". Objects keep their members in order.
public indirect enum StrictJSON: Sendable, Equatable {
    case object([Member])
    case array([StrictJSON])
    case string(String)
    /// The number as written (`-12.50`, `1e3`): its grammar is checked, its value is not.
    case number(String)
    case bool(Bool)
    case null

    public struct Member: Sendable, Equatable {
        public let key: String
        public let value: StrictJSON
    }

    /// What kind of value it is, as JSON Schema names types (`object`, `array`, `string`,
    /// `number`, `boolean`, `null`).
    public var kind: String {
        switch self {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .number: return "number"
        case .bool: return "boolean"
        case .null: return "null"
        }
    }

    /// The value of `key` in an object (nil for anything else).
    public subscript(key: String) -> StrictJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}

/// Why a document is not strict JSON, and where (`lines[0].sku`, or the byte offset).
public struct StrictJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

extension StrictJSON {
    /// The deepest nesting of objects and arrays taken.
    public static let maximumDepth = 32

    /// Parses `data` as one JSON value. Refuses what RFC 8259 refuses (a trailing comma, a
    /// leading zero, a raw control character in a string, bytes that are not UTF-8, a lone
    /// surrogate in a `\u` escape, anything after the value) and, beyond it, an object with
    /// the same key twice and nesting deeper than ``maximumDepth``.
    public static func parse(_ data: Data) throws(StrictJSONError) -> StrictJSON {
        var parser = StrictJSONParser(bytes: [UInt8](data))
        return try parser.document()
    }
}

struct StrictJSONParser {
    let bytes: [UInt8]
    var index = 0
    var path: [String] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ reason: String) -> StrictJSONError {
        StrictJSONError(path: Self.render(path), reason: reason + (index < bytes.count ? " (at byte \(index))" : ""))
    }

    static func render(_ path: [String]) -> String {
        var text = ""
        for part in path {
            if part.hasPrefix("[") || text.isEmpty { text += part } else { text += "." + part }
        }
        return text
    }

    mutating func document() throws(StrictJSONError) -> StrictJSON {
        skipWhitespace()
        guard index < bytes.count else { throw StrictJSONError(path: "", reason: "the body is empty, not JSON") }
        let value = try self.value(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw fail("the body goes on after its JSON value") }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
    }

    mutating func value(depth: Int) throws(StrictJSONError) -> StrictJSON {
        guard index < bytes.count else { throw fail("the body ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("not JSON: unexpected '\(Self.show(bytes[index]))'")
        }
    }

    static func show(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? String(UnicodeScalar(byte)) : String(format: "\\x%02X", byte)
    }

    mutating func literal(_ word: String) throws(StrictJSONError) {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else {
            throw fail("not JSON: unexpected '\(Self.show(bytes[index]))'")
        }
        index += expected.count
    }

    mutating func object(depth: Int) throws(StrictJSONError) -> StrictJSON {
        guard depth <= StrictJSON.maximumDepth else { throw fail("nested deeper than \(StrictJSON.maximumDepth) levels") }
        index += 1
        var members: [StrictJSON.Member] = []
        var keys = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("not JSON: an object's key must be a string") }
            let key = try string()
            guard keys.insert(key).inserted else {
                throw StrictJSONError(path: Self.render(path + [key]), reason: "the key '\(key)' appears twice in one object")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("not JSON: ':' expected after a key") }
            index += 1
            skipWhitespace()
            path.append(key)
            let value = try self.value(depth: depth)
            path.removeLast()
            members.append(StrictJSON.Member(key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw fail("the body ends inside an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw fail("not JSON: ',' or '}' expected in an object") }
            index += 1
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(StrictJSONError) -> StrictJSON {
        guard depth <= StrictJSON.maximumDepth else { throw fail("nested deeper than \(StrictJSON.maximumDepth) levels") }
        index += 1
        var items: [StrictJSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            path.append("[\(items.count)]")
            items.append(try value(depth: depth))
            path.removeLast()
            skipWhitespace()
            guard index < bytes.count else { throw fail("the body ends inside an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw fail("not JSON: ',' or ']' expected in an array") }
            index += 1
            return .array(items)
        }
    }

    mutating func number() throws(StrictJSONError) -> String {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let firstDigit = index
        guard digits() > 0 else { throw fail("not JSON: a number needs digits") }
        if bytes[firstDigit] == UInt8(ascii: "0") && index - firstDigit > 1 { throw fail("not JSON: a number has a leading zero") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("not JSON: digits must follow a decimal point") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw fail("not JSON: an exponent needs digits") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func string() throws(StrictJSONError) -> String {
        index += 1
        // The common case, a string without escapes, is made from its bytes in one go.
        var end = index
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            guard let text = bytes.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[index..<end]), as: UTF8.self) })
            else {
                throw fail("a string holds bytes that are not UTF-8")
            }
            index = end + 1
            return text
        }
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() throws(StrictJSONError) {
            guard !raw.isEmpty else { return }
            guard let text = String(validating: raw, as: UTF8.self) else { throw fail("a string holds bytes that are not UTF-8") }
            scalars.append(contentsOf: text.unicodeScalars)
            raw.removeAll(keepingCapacity: true)
        }
        while true {
            guard index < bytes.count else { throw fail("the body ends inside a string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                try flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flush()
                index += 1
                guard index < bytes.count else { throw fail("the body ends inside a string") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
                default: throw fail("not JSON: '\\\(Self.show(escape))' is no escape")
                }
            case 0..<0x20:
                throw fail("a string holds a raw control character (\(Self.show(byte))); JSON writes it as an escape")
            default:
                raw.append(byte)
                index += 1
            }
        }
    }

    mutating func hex4() throws(StrictJSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("the body ends inside a \\u escape") }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("not JSON: a \\u escape needs four hex digits")
            }
            value = value * 16 + digit
        }
        index += 4
        return value
    }

    mutating func unicodeEscape() throws(StrictJSONError) -> Unicode.Scalar {
        let first = try hex4()
        if (0xDC00...0xDFFF).contains(first) { throw fail("a \\u escape is a lone low surrogate, not a character") }
        if (0xD800...0xDBFF).contains(first) {
            guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw fail("a \\u escape is a lone high surrogate, not a character")
            }
            index += 2
            let second = try hex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw fail("a \\u escape is a high surrogate without its low one") }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
        }
        return Unicode.Scalar(first)!
    }
}
