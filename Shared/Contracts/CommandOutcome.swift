import Foundation

/// The reply to a command that carried a `reply_to`: it was done (with a result whose shape
/// the command defines) or refused (with a code and a reason a person can act on). Sent
/// to `erp.replies` with the command's `reply_to` as routing key; its causation id is the
/// command's message id and its correlation id the command's.
public struct CommandOutcome: Message, Equatable {
    public static let type: MessageType = "erp.command.outcome.v1"

    public enum Status: String, Codable, Sendable {
        case done, refused
    }

    /// Message id of the command this answers.
    public var commandID: UUID
    public var commandType: MessageType
    public var status: Status
    /// Why it was refused: a short code (`validation`, `insufficient-stock`...) and a sentence.
    public var code: String?
    public var reason: String?
    public var result: JSONValue?

    /// `commandId` so that the snake_case coding gives `command_id` both ways.
    enum CodingKeys: String, CodingKey {
        case commandID = "commandId"
        case commandType, status, code, reason, result
    }

    public init(commandID: UUID, commandType: MessageType, status: Status, code: String? = nil, reason: String? = nil, result: JSONValue? = nil) {
        self.commandID = commandID
        self.commandType = commandType
        self.status = status
        self.code = code
        self.reason = reason
        self.result = result
    }

    /// The JSON of an outcome encoded without a result, with `"result": resultJSON` added:
    /// how a service sets a result it has already encoded, without a second pass through
    /// ``JSONValue``.
    public static func payload(_ outcomeJSON: Data, withResult resultJSON: Data) -> Data {
        guard let close = outcomeJSON.lastIndex(of: UInt8(ascii: "}")) else { return outcomeJSON }
        var joined = Data(outcomeJSON[..<close])
        joined.append(contentsOf: Array(#","result":"#.utf8))
        joined.append(resultJSON)
        joined.append(UInt8(ascii: "}"))
        return joined
    }

    /// An outcome decoded without its result, for a receiver that decodes the result from
    /// the message itself into the type it expects (no ``JSONValue`` tree built first).
    public struct WithoutResult: Message {
        public static var type: MessageType { CommandOutcome.type }
        public let outcome: CommandOutcome
        /// Whether the message carries a result (not null).
        public let hasResult: Bool

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            outcome = CommandOutcome(
                commandID: try container.decode(UUID.self, forKey: .commandID),
                commandType: try container.decode(MessageType.self, forKey: .commandType),
                status: try container.decode(Status.self, forKey: .status), code: try container.decodeIfPresent(String.self, forKey: .code),
                reason: try container.decodeIfPresent(String.self, forKey: .reason))
            hasResult = try container.contains(.result) && !container.decodeNil(forKey: .result)
        }

        public func encode(to encoder: any Encoder) throws { try outcome.encode(to: encoder) }
    }

    /// The result decoded as `T`; throws when the command was refused or the result does not fit.
    public func decodeResult<T: Decodable>(_: T.Type) throws -> T {
        guard status == .done else { throw CommandRefused(code ?? "refused", reason ?? "refused") }
        return try (result ?? .null).decode(T.self)
    }
}

/// A command a service refuses for a business reason (validation, not enough stock, unknown
/// SKU). Its effects are rolled back, the refusal is recorded, and the sender is told.
public struct CommandRefused: Error, Equatable, CustomStringConvertible {
    public let code: String
    public let reason: String
    public init(_ code: String, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { "\(code): \(reason)" }
}
