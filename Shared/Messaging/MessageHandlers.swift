import Contracts
import Logging
import Postgres

/// What a handler gets besides its message: the envelope, the open transaction (the
/// inbox row is already in it) and the outbox, so that its state changes and the
/// messages they cause commit together.
public struct HandlerContext: Sendable {
    public let envelope: Envelope
    public let transaction: PostgresTransaction
    public let outbox: Outbox
    public let logger: Logger

    /// Enqueues an event caused by the message being handled (same correlation id).
    @discardableResult
    public func publish<M: Message>(event: M) async throws -> Envelope {
        try await outbox.publish(
            event: event, correlationID: envelope.correlationID, causationID: envelope.id.uuidString.lowercased(),
            in: transaction)
    }

    /// Enqueues a command caused by the message being handled (same correlation id).
    @discardableResult
    public func send<M: Message>(command: M) async throws -> Envelope {
        try await outbox.send(
            command: command, correlationID: envelope.correlationID, causationID: envelope.id.uuidString.lowercased(),
            in: transaction)
    }
}

/// The handlers of a service, by message type string. Registering the same type twice is
/// a programming error.
public struct MessageHandlers: Sendable {
    struct Registration: Sendable {
        let decode: @Sendable (Envelope) throws -> any Message
        let handle: @Sendable (any Message, HandlerContext) async throws -> Void
    }

    private(set) var registrations: [MessageType: Registration] = [:]

    public init() {}

    /// Registers `handler` for messages of type `M`.
    public mutating func on<M: Message>(_: M.Type, _ handler: @escaping @Sendable (M, HandlerContext) async throws -> Void) {
        precondition(registrations[M.type] == nil, "two handlers for \(M.type)")
        registrations[M.type] = Registration(
            decode: { try $0.decode(M.self) },
            handle: { message, context in try await handler(message as! M, context) })
    }

    public var types: [MessageType] { Array(registrations.keys) }
}

/// An error a handler throws when the message itself is wrong (validation), so that
/// retrying cannot help: the message is parked at once with this reason.
public struct PermanentMessageError: Error, CustomStringConvertible {
    /// A short code for the parking header (`validation`, `unknown-sku`...).
    public let code: String
    public let detail: String
    public init(_ code: String, _ detail: String) {
        self.code = code
        self.detail = detail
    }
    public var description: String { "\(code): \(detail)" }
}
