import Contracts
import Foundation
import Logging
import Postgres

/// What a handler gets besides its message: the envelope, the open transaction (the
/// inbox row is already in it) and the outgoing messages, which are written to the
/// outbox in the same transaction (all of a batch's with one statement, before the
/// commit), so that state changes and the messages they cause commit together.
public struct HandlerContext: Sendable {
    public let envelope: Envelope
    public let transaction: PostgresTransaction
    public let logger: Logger
    let outgoing: OutgoingMessages
    let source: String

    /// Enqueues an event caused by the message being handled (same correlation id),
    /// for `erp.events` routed by its type string.
    @discardableResult
    public func publish<M: Message>(event: M) async throws -> Envelope {
        let caused = try envelope.reply(event, source: source)
        outgoing.append(Outbox.Entry(caused, exchange: Exchanges.events))
        return caused
    }

    /// Enqueues a command caused by the message being handled (same correlation id),
    /// for `erp.commands` routed by its type string.
    @discardableResult
    public func send<M: Message>(command: M) async throws -> Envelope {
        let caused = try envelope.reply(command, source: source)
        outgoing.append(Outbox.Entry(caused, exchange: Exchanges.commands))
        return caused
    }

    /// Enqueues any envelope for any exchange (replies, or a test's own exchange).
    public func enqueue(_ envelope: Envelope, exchange: String, routingKey: String? = nil) {
        outgoing.append(Outbox.Entry(envelope, exchange: exchange, routingKey: routingKey))
    }
}

/// The messages handlers of one transaction enqueue, written to the outbox before it commits.
final class OutgoingMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Outbox.Entry] = []

    func append(_ entry: Outbox.Entry) { lock.withLock { entries.append(entry) } }

    func take() -> [Outbox.Entry] {
        lock.withLock {
            defer { entries = [] }
            return entries
        }
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
