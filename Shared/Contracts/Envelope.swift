import Foundation

/// A message with its metadata, as it travels: `id` is the AMQP `message_id` (the inbox
/// key), `type` the AMQP `type`, `correlationID` the order or saga it belongs to,
/// `causationID` the id of the message that caused it, `source` the `app_id`.
public struct Envelope: Sendable, Equatable {
    public var id: UUID
    public var type: MessageType
    public var correlationID: String?
    public var causationID: String?
    public var schemaVersion: Int
    public var occurredAt: Date
    public var source: String
    /// The payload as JSON.
    public var payload: Data
    /// For a command: the `erp.replies` routing key its ``CommandOutcome`` goes to (the AMQP
    /// `reply_to`); nil when nobody waits for the outcome.
    public var replyTo: String?

    public init(
        id: UUID = .random(), type: MessageType, correlationID: String? = nil, causationID: String? = nil,
        schemaVersion: Int, occurredAt: Date = Date(), source: String, payload: Data, replyTo: String? = nil
    ) {
        self.replyTo = replyTo
        self.id = id
        self.type = type
        self.correlationID = correlationID
        self.causationID = causationID
        self.schemaVersion = schemaVersion
        self.occurredAt = occurredAt
        self.source = source
        self.payload = payload
    }

    /// Wraps a message; the type and schema version come from the message type.
    public init<M: Message>(
        _ message: M, source: String, correlationID: String? = nil, causationID: String? = nil,
        id: UUID = .random(), occurredAt: Date = Date(), replyTo: String? = nil
    ) throws {
        self.init(
            id: id, type: M.type, correlationID: correlationID, causationID: causationID,
            schemaVersion: M.schemaVersion, occurredAt: occurredAt, source: source,
            payload: try MessageCoding.encoder().encode(message), replyTo: replyTo)
    }

    /// A message caused by this one: same correlation, causation = this message's id.
    public func reply<M: Message>(_ message: M, source: String) throws -> Envelope {
        try Envelope(message, source: source, correlationID: correlationID, causationID: id.uuidString.lowercased())
    }

    /// Decodes the payload as `M`; a type mismatch or bad JSON throws ``ContractError``.
    public func decode<M: Message>(_: M.Type) throws -> M {
        guard type == M.type else { throw ContractError.typeMismatch(expected: M.type, actual: type) }
        do {
            return try MessageCoding.decoder().decode(M.self, from: payload)
        } catch {
            throw ContractError.undecodable(type: type, reason: Self.describe(error))
        }
    }

    /// A short, operator-readable reason for a decoding failure (the field path and what was wrong).
    static func describe(_ error: Error) -> String {
        // Field names as they appear in the JSON (snake_case), not as Swift spells them.
        func name(_ key: any CodingKey) -> String {
            var result = ""
            for character in key.stringValue {
                if character.isUppercase, !result.isEmpty { result += "_" }
                result += character.lowercased()
            }
            return result
        }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? name($0) }
            return keys.isEmpty ? "the body" : keys.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            return "missing field '\(name(key))' in \(path(context))"
        case .typeMismatch(let type, let context)?:
            return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context)?:
            return "\(path(context)): expected \(type), found null"
        case .dataCorrupted(let context)?:
            return "\(path(context)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// A message that does not fit its contract.
public enum ContractError: Error, Equatable, CustomStringConvertible {
    case typeMismatch(expected: MessageType, actual: MessageType)
    case undecodable(type: MessageType, reason: String)
    case missingProperty(String)

    public var description: String {
        switch self {
        case .typeMismatch(let expected, let actual): return "expected a \(expected) message, got \(actual)"
        case .undecodable(let type, let reason): return "body of \(type) does not decode: \(reason)"
        case .missingProperty(let name): return "message has no \(name)"
        }
    }
}
