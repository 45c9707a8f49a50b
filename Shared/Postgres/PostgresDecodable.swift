import Foundation

/// A Swift type that can be read from a column in PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    /// Decodes a non-NULL value; throws ``PostgresDecodingFailure`` saying why it does not fit.
    init(postgresText text: String) throws
    /// Decodes a value that may be NULL. The default refuses NULL; `Optional` accepts it.
    static func decode(postgresValue text: String?) throws -> Self
}

extension PostgresDecodable {
    public static func decode(postgresValue text: String?) throws -> Self {
        guard let text else { throw PostgresDecodingFailure("unexpected NULL (decode as an Optional to accept NULL)") }
        return try Self(postgresText: text)
    }
}

/// Why a value did not decode; ``PostgresRow`` wraps it into a ``PostgresDecodingError``
/// naming the column and the value.
public struct PostgresDecodingFailure: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A string enum stored as its raw value (declare the conformance): a value it does not know
/// is a decoding error naming the column and the value, never a crash.
extension PostgresDecodable where Self: RawRepresentable & CaseIterable, RawValue == String {
    public init(postgresText text: String) throws {
        guard let value = Self(rawValue: text) else {
            throw PostgresDecodingFailure("not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String) throws { self = try Wrapped(postgresText: text) }
    public static func decode(postgresValue text: String?) throws -> Self {
        guard let text else { return nil }
        return try Wrapped(postgresText: text)
    }
}

extension String: PostgresDecodable {
    public init(postgresText text: String) throws { self = text }
}

private func integer<T: FixedWidthInteger>(_ text: String, _: T.Type) throws -> T {
    guard let value = T(text) else { throw PostgresDecodingFailure("not an integer that fits \(T.self)") }
    return value
}

extension Int: PostgresDecodable { public init(postgresText text: String) throws { self = try integer(text, Int.self) } }
extension Int16: PostgresDecodable { public init(postgresText text: String) throws { self = try integer(text, Int16.self) } }
extension Int32: PostgresDecodable { public init(postgresText text: String) throws { self = try integer(text, Int32.self) } }
extension Int64: PostgresDecodable { public init(postgresText text: String) throws { self = try integer(text, Int64.self) } }

extension Bool: PostgresDecodable {
    public init(postgresText text: String) throws {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresDecodingFailure("not a boolean (expected t or f)")
        }
    }
}

extension Double: PostgresDecodable {
    public init(postgresText text: String) throws {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { throw PostgresDecodingFailure("not a floating-point number") }
            self = value
        }
    }
}

extension UUID: PostgresDecodable {
    public init(postgresText text: String) throws {
        guard let value = UUID(uuidString: text) else { throw PostgresDecodingFailure("not a UUID") }
        self = value
    }
}

extension Date: PostgresDecodable {
    /// Reads `timestamptz` as sent in the sessions this client opens (ISO, UTC).
    public init(postgresText text: String) throws { self = try PostgresTimestamp.parse(text) }
}

extension Data: PostgresDecodable {
    /// Reads `bytea` in hex format (`\x0a1b...`).
    public init(postgresText text: String) throws {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw PostgresDecodingFailure("not bytea in hex format")
        }
        func nibble(_ c: UInt8) throws -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: throw PostgresDecodingFailure("not bytea in hex format")
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            bytes.append(try nibble(utf8[index]) << 4 | nibble(utf8[index + 1]))
            index += 2
        }
        self = Data(bytes)
    }
}
