import Foundation

/// Any JSON value, for the parts of a message whose shape depends on another field (the
/// result in a ``CommandOutcome``). Numbers keep integers exact.
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Tried in the order values are most common in messages: each miss costs a thrown error.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else {
            self = .number(try container.decode(Double.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// A value encoded with the message coding (snake_case keys), as JSON.
    public init<T: Encodable>(encoding value: T) throws {
        let data = try MessageCoding.encoder().encode(value)
        self = try MessageCoding.decoder().decode(JSONValue.self, from: data)
    }

    /// Decodes this JSON as `T` with the message coding.
    public func decode<T: Decodable>(_: T.Type) throws -> T {
        try MessageCoding.decoder().decode(T.self, from: MessageCoding.encoder().encode(self))
    }
}
