import CRabbitMQ
import Foundation
import Synchronization
#if canImport(Glibc)
    import Glibc
#endif
import Logging

/// How the broker answered one publish.
public enum AMQPPublishOutcome: Sendable, Equatable {
    /// The broker has taken responsibility for the message (written to disk for persistent
    /// messages on durable queues).
    case confirmed
    /// The broker refused it (for example a full queue with `x-overflow=reject-publish`).
    case nacked
    /// Published `mandatory` and no queue was bound for its routing key.
    case returned(AMQPReturnedMessage)
}

/// A message to publish.
public struct AMQPMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var body: Data
    public var properties: AMQPProperties
    /// Ask the broker to return the message if no queue takes it.
    public var mandatory: Bool

    public init(exchange: String, routingKey: String, body: Data, properties: AMQPProperties = AMQPProperties(), mandatory: Bool = false) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}

/// A publisher in confirm mode on its own connection. Up to `window` messages are
/// outstanding at once; each caller learns whether its message was confirmed, nacked or
/// returned. If the connection is lost, every unconfirmed publish fails with
/// ``AMQPError/Code/connectionLost`` (re-send it: it may or may not have arrived), and the
/// connection reconnects in the background (see ``events``). The publisher is an actor on
/// its connection's thread.
public actor AMQPPublisher {
    public nonisolated let connection: AMQPConnection
    public nonisolated let window: Int
    public nonisolated var events: AsyncStream<AMQPConnectionEvent> { connection.events }
    private nonisolated let gate: WindowGate

    private var nextTag: UInt64 = 1
    private var pending: [Pending] = []

    private struct Pending {
        let tag: UInt64
        let confirmation: AMQPConfirmation
        let exchange: String
        let routingKey: String
        let mandatory: Bool
        var returned: AMQPReturnedMessage?
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { connection.unownedExecutor }

    private init(connection: AMQPConnection, window: Int) {
        self.connection = connection
        self.window = window
        gate = WindowGate(limit: window)
    }

    /// Connects and puts the channel in confirm mode.
    public static func connect(
        _ configuration: AMQPConfiguration, window: Int = 256, reconnect: Bool = true,
        logger: Logger = Logger(label: "erp.amqp.publisher")
    ) async throws -> AMQPPublisher {
        precondition(window > 0, "the confirm window must be at least 1")
        return try await AMQPConnection.connect(configuration, reconnect: reconnect, logger: logger) { connection in
            let publisher = AMQPPublisher(connection: connection, window: window)
            publisher.installHandlers(on: connection)
            return publisher
        }.owner
    }

    public static func connect(url: String, window: Int = 256, reconnect: Bool = true) async throws -> AMQPPublisher {
        try await connect(AMQPConfiguration(url: url), window: window, reconnect: reconnect)
    }

    /// Hands a message to the broker and returns once it is sent (or queued to be sent),
    /// without waiting for the confirm; await ``AMQPConfirmation/outcome()`` for that.
    /// Waits first while `window` messages are unconfirmed.
    public nonisolated func send(_ message: AMQPMessage) async throws -> AMQPConfirmation {
        await gate.acquire()
        let confirmation = AMQPConfirmation()
        // Queued on the thread without waiting for it (the confirm is what is awaited).
        let accepted = connection.thread.submit { self.assumeIsolated { $0.transmit(message, confirmation) } }
        if !accepted {
            gate.release()
            throw AMQPConnection.closedError("basic.publish")
        }
        return confirmation
    }

    /// Publishes one message and waits for the broker's answer.
    public nonisolated func publish(_ message: AMQPMessage) async throws -> AMQPPublishOutcome {
        try await send(message).outcome()
    }

    public nonisolated func publish(
        _ body: Data, exchange: String, routingKey: String, properties: AMQPProperties = AMQPProperties(),
        mandatory: Bool = false
    ) async throws -> AMQPPublishOutcome {
        try await publish(AMQPMessage(exchange: exchange, routingKey: routingKey, body: body, properties: properties, mandatory: mandatory))
    }

    /// Publishes many messages with up to `window` outstanding, and returns each one's
    /// result in order. One failure does not stop the others. The messages that fit in the
    /// window go to the connection's thread together and out in as few TCP segments as
    /// they fill (the socket is corked while they are written): a publish is three frames,
    /// and one segment each would wake the broker three times per message.
    public nonisolated func publish(batch messages: [AMQPMessage]) async -> [Result<AMQPPublishOutcome, AMQPError>] {
        var confirmations: [Result<AMQPConfirmation, AMQPError>] = []
        confirmations.reserveCapacity(messages.count)
        var run: [(AMQPMessage, AMQPConfirmation)] = []
        func flush() {
            guard !run.isEmpty else { return }
            let messages = run
            run = []
            if !connection.thread.submit({ self.assumeIsolated { $0.transmit(messages) } }) {
                for (_, confirmation) in messages {
                    confirmation.complete(.failure(AMQPConnection.closedError("basic.publish")))
                    gate.release()
                }
            }
        }
        for message in messages {
            if !gate.tryAcquire() {
                // The window is full: what is gathered must go out before confirms can free it.
                flush()
                await gate.acquire()
            }
            let confirmation = AMQPConfirmation()
            run.append((message, confirmation))
            confirmations.append(.success(confirmation))
        }
        flush()
        var results: [Result<AMQPPublishOutcome, AMQPError>] = []
        results.reserveCapacity(messages.count)
        for confirmation in confirmations {
            switch confirmation {
            case .failure(let error): results.append(.failure(error))
            case .success(let pending):
                do {
                    results.append(.success(try await pending.outcome()))
                } catch {
                    results.append(.failure(error as? AMQPError ?? AMQPError(code: .connectionLost, message: "\(error)")))
                }
            }
        }
        return results
    }

    public nonisolated func close() async { await connection.close() }

    // MARK: - On the connection's thread

    /// Installs confirm mode and the frame handlers; called on the connection's thread
    /// before it opens.
    private func installHandlers(on connection: isolated AMQPConnection) {
        connection.channelSetup = { connection, state in
            _ = amqp_confirm_select(state, connection.channel)
            try connection.check(amqp_get_rpc_reply(state), state, "confirm.select", recoverChannel: false)
        }
        // Weakly: the publisher owns the connection, so a strong capture would keep both
        // (and the connection's thread and wake pipe) alive for ever.
        connection.handlers.confirm = { [weak self] tag, multiple, acked in
            self?.assumeIsolated { $0.confirmed(tag: tag, multiple: multiple, acked: acked) }
        }
        connection.handlers.returned = { [weak self] returned in self?.assumeIsolated { $0.markReturned(returned) } }
        connection.handlers.channelLost = { [weak self] error in self?.assumeIsolated { $0.failAllPending(error) } }
    }

    private func transmit(_ messages: [(AMQPMessage, AMQPConfirmation)]) {
        connection.assumeIsolated { $0.setCork(true) }
        for (message, confirmation) in messages { transmit(message, confirmation) }
        connection.assumeIsolated { $0.setCork(false) }
    }

    private func transmit(_ message: AMQPMessage, _ confirmation: AMQPConfirmation) {
        if let error = connection.assumeIsolated({ $0.basicPublish(message) }) {
            confirmation.complete(.failure(error))
            gate.release()
            return
        }
        pending.append(
            Pending(
                tag: nextTag, confirmation: confirmation, exchange: message.exchange, routingKey: message.routingKey,
                mandatory: message.mandatory))
        nextTag += 1
    }

    private func confirmed(tag: UInt64, multiple: Bool, acked: Bool) {
        func outcome(_ entry: Pending) -> AMQPPublishOutcome {
            if !acked { return .nacked }
            if let returned = entry.returned { return .returned(returned) }
            return .confirmed
        }
        if multiple {
            let count = pending.prefix { $0.tag <= tag }.count
            for entry in pending.prefix(count) {
                entry.confirmation.complete(.success(outcome(entry)))
                gate.release()
            }
            pending.removeFirst(count)
        } else if let index = pending.firstIndex(where: { $0.tag == tag }) {
            let entry = pending.remove(at: index)
            entry.confirmation.complete(.success(outcome(entry)))
            gate.release()
        }
    }

    /// basic.return carries no delivery tag. The broker returns unroutable messages in
    /// publish order before confirming them, so the return belongs to the oldest
    /// unconfirmed mandatory publish with the same exchange and routing key.
    private func markReturned(_ returned: AMQPReturnedMessage) {
        if let index = pending.firstIndex(where: {
            $0.mandatory && $0.returned == nil && $0.exchange == returned.exchange && $0.routingKey == returned.routingKey
        }) {
            pending[index].returned = returned
        }
    }

    private func failAllPending(_ error: AMQPError) {
        let failed = pending
        pending.removeAll()
        nextTag = 1
        var reported = error
        if error.code == .accessRefused || error.replyCode == 403 {
            // A permission the publisher's user lacks: sending it again will not help.
            reported.code = .accessRefused
            reported.message = "refused by the broker: \(error.message) (publishes unconfirmed at that moment were not taken either)"
        } else {
            if reported.code != .notConnected { reported.code = .connectionLost }
            reported.message = "unconfirmed when the channel closed (re-send it): \(error.message)"
        }
        for entry in failed {
            entry.confirmation.complete(.failure(reported))
            gate.release()
        }
    }
}

/// The pending answer to one publish.
public final class AMQPConfirmation: Sendable {
    private struct State {
        var result: Result<AMQPPublishOutcome, AMQPError>?
        var waiter: CheckedContinuation<AMQPPublishOutcome, Error>?
    }
    private let state = Mutex(State())

    init() {}

    /// Waits for the broker's confirm, nack or return. Throws if the connection was lost
    /// first; a task cancelled while it waits stops waiting (CancellationError; the message
    /// may still be confirmed).
    public func outcome() async throws -> AMQPPublishOutcome {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<AMQPPublishOutcome, Error>? = state.withLock { state in
                    if let result = state.result { return result.mapError { $0 as Error } }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    func complete(_ outcome: Result<AMQPPublishOutcome, AMQPError>) {
        let waiter: CheckedContinuation<AMQPPublishOutcome, Error>? = state.withLock { state in
            guard state.result == nil else { return nil }
            state.result = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: outcome.mapError { $0 as Error })
    }
}

/// A counting semaphore for async callers: at most `limit` holders at once.
final class WindowGate: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: limit)) }

    /// Takes a slot if one is free, without waiting.
    func tryAcquire() -> Bool {
        state.withLock { state in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
    }

    func acquire() async {
        if tryAcquire() { return }
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}

extension AMQPConnection {
    /// Sends one `basic.publish`; returns the error when it could not be sent (the
    /// connection is down, or was lost while sending).
    func basicPublish(_ message: AMQPMessage) -> AMQPError? {
        guard let state else { return notConnected("basic.publish") }
        let arena = CArena()
        var properties = arena.properties(message.properties)
        let exchange = arena.bytes(message.exchange)
        let routingKey = arena.bytes(message.routingKey)
        let channel = channel
        let status = message.body.withUnsafeBytes { body in
            amqp_basic_publish(
                state, channel, exchange, routingKey,
                message.mandatory ? 1 : 0, 0, &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            let error = AMQPError(code: .connectionLost, message: Self.statusText(status), operation: "basic.publish")
            connectionLost(error)
            return error
        }
        return nil
    }

    /// TCP_CORK holds partial segments back until it is lifted (which sends them at once):
    /// a publish is three frames, and one segment each would wake the broker three times.
    func setCork(_ on: Bool) {
        guard let state else { return }
        let socket = amqp_get_sockfd(state)
        guard socket >= 0 else { return }
        var value: Int32 = on ? 1 : 0
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
    }
}
