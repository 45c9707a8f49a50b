import AMQP
import Contracts
import Foundation
import Synchronization
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
    /// The service's schema (where refusals are recorded).
    let schema: String
    /// Where events go: `erp.events`, or a test's own exchange.
    var eventsExchange: String = Exchanges.events
    /// Whether each command runs in a savepoint of its own, so that a refusal undoes only
    /// that command. A batch first runs without (a refusal then fails the whole batch,
    /// which runs again with them): savepoints cost a round trip each, and a hundred of
    /// them in one transaction overflow PostgreSQL's subtransaction cache.
    var isolatesCommands = true

    /// Enqueues an event caused by the message being handled (same correlation id),
    /// for `erp.events` routed by its type string.
    @discardableResult
    public func publish<M: Message>(event: M, routingKey: String? = nil) async throws -> Envelope {
        let caused = try envelope.reply(event, source: source)
        outgoing.append(Outbox.Entry(caused, exchange: eventsExchange, routingKey: routingKey))
        return caused
    }

    /// Enqueues a command caused by the message being handled (same correlation id),
    /// for `erp.commands` routed by its type string; its outcome goes to `erp.replies`
    /// with routing key `replyTo` when one is given.
    @discardableResult
    public func send<M: Message>(command: M, replyTo: String? = nil) async throws -> Envelope {
        var caused = try envelope.reply(command, source: source)
        caused.replyTo = replyTo
        outgoing.append(Outbox.Entry(caused, exchange: Exchanges.commands))
        return caused
    }

    /// Enqueues any envelope for any exchange (replies, or a test's own exchange).
    public func enqueue(_ envelope: Envelope, exchange: String, routingKey: String? = nil) {
        outgoing.append(Outbox.Entry(envelope, exchange: exchange, routingKey: routingKey))
    }

    /// Runs `body`; when it throws an error that `undo` turns into a value, its statements
    /// and the messages it enqueued are undone alone (a savepoint), the value is returned and
    /// the transaction goes on. In an optimistic batch (no savepoints: see
    /// ``isolatesCommands``) such an error fails the batch instead, which then runs again
    /// message by message, each message's work in a savepoint.
    public func undoing<Undone>(
        _ undo: (any Error) -> Undone?, _ body: () async throws -> Void
    ) async throws -> Undone? {
        let mark = outgoing.mark
        if isolatesCommands { try await transaction.query("SAVEPOINT erp_undoable") }
        do {
            try await body()
            // Released (which also sends what the body queued), so that a failure of its
            // queued writes is undone here too, and a nested use finds its own savepoint.
            if isolatesCommands { try await transaction.query("RELEASE SAVEPOINT erp_undoable") }
            return nil
        } catch {
            guard isolatesCommands, let undone = undo(error) else { throw error }
            try await transaction.query("ROLLBACK TO SAVEPOINT erp_undoable")
            outgoing.truncate(to: mark)
            return undone
        }
    }

    /// Runs `hook` once the transaction has committed (never if it rolls back): for what may
    /// only be known in memory once it is in the database (a cache of what was written).
    public func afterCommit(_ hook: @escaping @Sendable () -> Void) {
        outgoing.appendHook(hook)
    }
}

/// The messages handlers of one transaction enqueue, written to the outbox before it commits.
final class OutgoingMessages: Sendable {
    private struct State {
        var entries: [Outbox.Entry] = []
        var hooks: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    func append(_ entry: Outbox.Entry) { state.withLock { $0.entries.append(entry) } }

    func appendHook(_ hook: @escaping @Sendable () -> Void) { state.withLock { $0.hooks.append(hook) } }

    /// The after-commit hooks, in the order they were added.
    func takeHooks() -> [@Sendable () -> Void] {
        state.withLock { state in
            defer { state.hooks = [] }
            return state.hooks
        }
    }

    /// How many messages and hooks there are: a mark to go back to when a command is refused.
    var mark: (entries: Int, hooks: Int) { state.withLock { ($0.entries.count, $0.hooks.count) } }

    /// Forgets the messages and hooks added after `mark`.
    func truncate(to mark: (entries: Int, hooks: Int)) {
        state.withLock { state in
            state.entries.removeSubrange(min(mark.entries, state.entries.count)...)
            state.hooks.removeSubrange(min(mark.hooks, state.hooks.count)...)
        }
    }

    func take() -> [Outbox.Entry] {
        state.withLock { state in
            defer { state.entries = [] }
            return state.entries
        }
    }
}

/// The handlers of a service, by message type string. Registering the same type twice is
/// a programming error.
public struct MessageHandlers: Sendable {
    struct Registration: Sendable {
        let decode: @Sendable (Envelope) throws -> any Message
        let handle: @Sendable (any Message, HandlerContext) async throws -> Void
        /// Whether the message id goes into the inbox (false: the handler itself ignores repeats).
        var deduplicate = true
        /// ``Message/routingKeyGoesOn`` of the type.
        var routingKeyGoesOn = false
    }

    var registrations: [MessageType: Registration] = [:]
    /// Queues whose deliveries are taken as they come (see ``raw(queue:_:)``).
    private(set) var rawHandlers: [String: @Sendable (RawDelivery, HandlerContext) async throws -> Void] = [:]

    public init() {}

    /// Registers `handler` for messages of type `M`.
    public mutating func on<M: Message>(_: M.Type, _ handler: @escaping @Sendable (M, HandlerContext) async throws -> Void) {
        precondition(registrations[M.type] == nil, "two handlers for \(M.type)")
        registrations[M.type] = Registration(
            decode: { try $0.decode(M.self) },
            handle: { message, context in try await handler(message as! M, context) }, routingKeyGoesOn: M.routingKeyGoesOn)
    }

    /// Registers `handler` for messages of type `M` without the inbox: for a handler that
    /// recognises a repeated message itself (the saga coordinator matches each reply to the
    /// one request it waits for, so a repeated reply changes nothing), saving the inbox row.
    public mutating func onIdempotent<M: Message>(_: M.Type, _ handler: @escaping @Sendable (M, HandlerContext) async throws -> Void) {
        on(M.self, handler)
        registrations[M.type]?.deduplicate = false
    }

    /// Registers a command handler: its effects and the messages it enqueues happen
    /// together or not at all (a savepoint). When it returns, a `done` ``CommandOutcome``
    /// carrying its result is sent to the command's `reply_to`; when it throws
    /// ``CommandRefused``, its effects are rolled back, the refusal is recorded in the
    /// schema's `command_refusals` with its reason, and a `refused` outcome is sent. Any
    /// other error is handled as for ``on(_:_:)`` (retried or parked).
    public mutating func command<M: Message, Result: Encodable & Sendable>(
        _: M.Type, _ handler: @escaping @Sendable (M, HandlerContext) async throws -> Result
    ) {
        on(M.self) { command, context in
            func done(_ result: Result) throws {
                try context.reply(
                    CommandOutcome(commandID: context.envelope.id, commandType: M.type, status: .done),
                    resultJSON: try MessageCoding.encoder().encode(result))
            }
            // Optimistic: a refusal propagates and fails the batch, which runs again isolated.
            guard context.isolatesCommands else { return try done(try await handler(command, context)) }
            let tx = context.transaction
            let mark = context.outgoing.mark
            try await tx.query("SAVEPOINT erp_command")
            do {
                // Not released: the commit ends every savepoint, and leaving it saves a round trip.
                try done(try await handler(command, context))
            } catch let refused as CommandRefused {
                try await tx.query("ROLLBACK TO SAVEPOINT erp_command")
                context.outgoing.truncate(to: mark)
                try await context.recordRefusal(refused)
                try context.reply(
                    CommandOutcome(
                        commandID: context.envelope.id, commandType: M.type, status: .refused, code: refused.code, reason: refused.reason))
            }
        }
    }

    /// Registers a handler for every delivery of `queue` as it arrived: any routing key,
    /// any body, no `message_id` or `type` required. For messages from outside the system
    /// (platform orders on `erp.ingest`), which the handler validates itself, keeping what it
    /// rejects, and de-duplicates by their own keys: no inbox row is written for them.
    public mutating func raw(queue: String, _ handler: @escaping @Sendable (RawDelivery, HandlerContext) async throws -> Void) {
        precondition(rawHandlers[queue] == nil, "two raw handlers for \(queue)")
        rawHandlers[queue] = handler
    }

    public var types: [MessageType] { Array(registrations.keys) }

    /// Whether messages of `type` are published under their type and more words.
    public func routingKeyGoesOn(_ type: MessageType) -> Bool { registrations[type]?.routingKeyGoesOn ?? false }
}

/// A delivery as it arrived, for ``MessageHandlers/raw(queue:_:)`` handlers.
public struct RawDelivery: Sendable {
    public let exchange: String
    public let routingKey: String
    public let properties: AMQPProperties
    public let body: Data
    public init(exchange: String, routingKey: String, properties: AMQPProperties, body: Data) {
        (self.exchange, self.routingKey, self.properties, self.body) = (exchange, routingKey, properties, body)
    }
}

extension HandlerContext {
    /// Enqueues a command's outcome for its `reply_to`, if it has one. The result, already
    /// JSON, is set into the outcome as it is (not decoded and encoded again).
    func reply(_ outcome: CommandOutcome, resultJSON: Data? = nil) throws {
        guard let replyTo = envelope.replyTo else { return }
        var reply = try envelope.reply(outcome, source: source)
        if let resultJSON { reply.payload = CommandOutcome.payload(reply.payload, withResult: resultJSON) }
        outgoing.append(Outbox.Entry(reply, exchange: Exchanges.replies, routingKey: replyTo))
    }

    /// Records a refusal. A reason that quotes the command (a bad value with a NUL character in
    /// it) is kept with the NUL written `\0`: PostgreSQL text cannot hold one.
    func recordRefusal(_ refused: CommandRefused) async throws {
        logger.notice("command refused", metadata: ["type": "\(envelope.type)", "code": "\(refused.code)", "reason": "\(refused.reason)"])
        let (code, reason) = (
            refused.code.replacingOccurrences(of: "\u{0}", with: "\\0"), refused.reason.replacingOccurrences(of: "\u{0}", with: "\\0")
        )
        try await transaction.query(
            """
            INSERT INTO \(identifier: schema).command_refusals (message_id, message_type, correlation_id, code, reason, payload)
            VALUES (\(envelope.id), \(envelope.type.rawValue), \(envelope.correlationID), \(code), \(reason), \(envelope.payload))
            ON CONFLICT (message_id) DO NOTHING
            """)
    }
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
