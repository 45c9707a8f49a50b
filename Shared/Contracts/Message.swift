import Foundation

/// A message type string: `<context>.<aggregate>.<event>.v<N>` for events,
/// `<service>.<command>.v<N>` for commands. It is the AMQP `type` property and, for events
/// and commands, the routing key. Always a constant in this module, never derived from a
/// Swift type name, so that renaming a type can never break delivery.
public struct MessageType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    /// The version suffix (`v1` → 1), or nil if the string has none.
    public var version: Int? {
        guard let last = rawValue.split(separator: ".").last, last.first == "v" else { return nil }
        return Int(last.dropFirst())
    }
}

/// A message of the system: a `Codable` payload with a constant type string.
public protocol Message: Codable, Sendable {
    static var type: MessageType { get }
    /// Whether the message is published under its type and more words (a status change goes as
    /// `orders.order.status_changed.v1.<from>.<to>`), so that a binding of the bare type misses it.
    static var routingKeyGoesOn: Bool { get }
}

extension Message {
    /// The schema version, taken from the type string's `vN` suffix.
    public static var schemaVersion: Int { type.version ?? 1 }
    public static var routingKeyGoesOn: Bool { false }
}

/// The JSON coding every service uses for payloads: snake_case keys, ISO 8601 dates.
public enum MessageCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A short, operator-readable reason for a decoding failure (the field path and what was wrong).
    public static func describe(_ error: any Error) -> String { Envelope.describe(error) }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
