import Foundation

/// A Swift value that can be sent as a query parameter in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The parameter in text format; nil is SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresEncodable { public var postgresText: String? { self } }
extension Int: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int16: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int32: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Int64: PostgresEncodable { public var postgresText: String? { String(self) } }
extension Bool: PostgresEncodable { public var postgresText: String? { self ? "t" : "f" } }
extension UUID: PostgresEncodable { public var postgresText: String? { uuidString.lowercased() } }

extension Double: PostgresEncodable {
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }
}

extension Date: PostgresEncodable {
    /// ISO 8601 in UTC with microseconds, the precision of `timestamptz`.
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Data: PostgresEncodable {
    /// `bytea` in hex format.
    public var postgresText: String? {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        bytes.reserveCapacity(2 + count * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText ?? nil }
}

/// A `json`/`jsonb` value: encodes any `Encodable` as JSON and decodes any `Decodable`.
public struct PostgresJSON<Value: Codable & Sendable>: PostgresEncodable, PostgresDecodable, Sendable {
    public var value: Value
    public init(_ value: Value) { self.value = value }

    public var postgresText: String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public init(postgresText text: String) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            value = try decoder.decode(Value.self, from: Data(text.utf8))
        } catch {
            throw PostgresDecodingFailure("JSON does not decode as \(Value.self): \(error)")
        }
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// An array literal (`{1,2,3}`, `{"a","b c",NULL}`): every element quoted, with quotes
    /// and backslashes escaped. Cast it in SQL (`$1::bigint[]`).
    public var postgresText: String? {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        // bytea (message bodies) goes straight in as escaped hex (`"\\x0a1b"`), without a string of it made first.
        if let blobs = self as? [Data] {
            for (index, blob) in blobs.enumerated() {
                if index > 0 { literal.append(UInt8(ascii: ",")) }
                PostgresArrayLiteral.appendHex(blob, to: &literal)
            }
            literal.append(UInt8(ascii: "}"))
            return String(decoding: literal, as: UTF8.self)
        }
        // Built as bytes: every element is quoted, its quotes and backslashes escaped.
        let backslash = UInt8(ascii: "\\"), quote = UInt8(ascii: "\"")
        for index in indices {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            guard var text = self[index].postgresText else {
                literal.append(contentsOf: "NULL".utf8)
                continue
            }
            literal.append(quote)
            text.withUTF8 { bytes in
                for byte in bytes {
                    if byte == backslash || byte == quote { literal.append(backslash) }
                    literal.append(byte)
                }
            }
            literal.append(quote)
        }
        literal.append(UInt8(ascii: "}"))
        return String(decoding: literal, as: UTF8.self)
    }
}

enum PostgresArrayLiteral {
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `"\\x<hex>"`: a bytea element of an array literal (its backslash escaped).
    static func appendHex(_ data: Data, to literal: inout [UInt8]) {
        literal.reserveCapacity(literal.count + 6 + data.count * 2)
        literal.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
        hexDigits.withUnsafeBufferPointer { digits in
            data.withUnsafeBytes { bytes in
                for byte in bytes {
                    literal.append(digits[Int(byte >> 4)])
                    literal.append(digits[Int(byte & 0x0f)])
                }
            }
        }
        literal.append(UInt8(ascii: "\""))
    }
}
