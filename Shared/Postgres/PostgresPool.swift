import ConnectionThread
import Foundation
import Logging
import Synchronization

/// A fixed-size pool of ``PostgresConnection``s, each on its own thread. Tasks lease a
/// connection with ``withConnection(isolation:_:)`` or ``withTransaction(isolation:maxAttempts:isolation:_:)``
/// and wait when all are busy. Connections found broken (server restart,
/// `pg_terminate_backend`, network loss) are closed and replaced by new ones.
public final class PostgresPool: Sendable {
    public let configuration: PostgresConfiguration
    public let size: Int
    private let logger: Logger
    private let state: Mutex<PoolState<PostgresConnection, CheckedContinuation<PostgresConnection, Error>>>
    private let waiterIDs = Atomic<UInt64>(0)

    public init(configuration: PostgresConfiguration, size: Int = 4, logger: Logger = Logger(label: "erp.postgres")) {
        self.configuration = configuration
        self.size = size
        self.logger = logger
        state = Mutex(PoolState(size: size))
    }

    public convenience init(url: String, size: Int = 4, logger: Logger = Logger(label: "erp.postgres")) throws {
        self.init(configuration: try PostgresConfiguration(url: url), size: size, logger: logger)
    }

    /// Connections open now (idle or leased).
    public var openConnections: Int { state.withLock { $0.open } }

    /// Leases a connection for the duration of `body`. Unless the caller is isolated to an
    /// actor, `body` runs on the connection's own thread (its task executor), so that its
    /// statements need no hand-over between threads.
    public func withConnection<T>(
        isolation actor: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withLeasedConnection(onItsThread: true, body)
    }

    private func withLeasedConnection<T>(
        onItsThread: Bool,
        isolation actor: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await lease()
        do {
            let result =
                onItsThread
                ? try await withTaskExecutorPreference(connection.thread) { try await body(connection) }
                : try await body(connection)
            await release(connection)
            return result
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a leased connection, and runs it again, whole, when
    /// it fails with a serialization failure (40001), a deadlock (40P01), a connection
    /// that was found dead before anything was sent, or a server that cannot be reached or
    /// is starting up (not a refused login); at most `maxAttempts` times, with
    /// a growing, jittered pause between attempts.
    public func withTransaction<T>(
        isolation level: PostgresIsolation = .readCommitted,
        maxAttempts: Int = 5,
        isolation actor: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withConnection { connection in
                    try await connection.withTransaction(isolation: level) { try await body($0) }
                }
            } catch let error as PostgresError where error.isTransactionConflict || error.isRetriableConnectionFailure {
                guard attempt < maxAttempts else {
                    var exhausted = error
                    exhausted.code = .retriesExhausted
                    exhausted.message = "gave up after \(attempt) attempts: \(error.message)"
                    throw exhausted
                }
                logger.debug("retrying transaction", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: Backoff(initial: .milliseconds(10), maximum: .milliseconds(2_560), jitter: true).delay(attempt: attempt))
                attempt += 1
            }
        }
    }

    /// Runs one statement on any connection; retried on a fresh connection if the leased one
    /// turns out dead before the statement was sent.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        for attempt in 1...(size + 1) {
            do {
                // One statement: a hand-over to the connection's thread and back either way.
                return try await withLeasedConnection(onItsThread: false) { try await $0.query(query) }
            } catch let error as PostgresError where !error.sentToServer && error.code == .connectionClosed && attempt <= size {
                continue
            }
        }
        preconditionFailure("unreachable: the last attempt either returns or throws")
    }

    /// Closes every idle connection now and every leased one when it is returned; later leases fail.
    public func close() async {
        let (toClose, toFail) = state.withLock { $0.close() }
        for waiter in toFail { waiter.resume(throwing: Self.poolClosed) }
        for connection in toClose { await connection.close() }
    }

    // MARK: - Leasing (the decisions are PoolState's)

    private static let poolClosed = PostgresError(code: .connectionClosed, message: "the pool is closed", sentToServer: false)

    private func lease() async throws -> PostgresConnection {
        switch state.withLock({ $0.lease() }) {
        case .use(let connection): return connection
        case .refuse: throw Self.poolClosed
        case .open: return try await openCounted()
        case .wait:
            // A task cancelled while it waits stops waiting.
            let id = waiterIDs.add(1, ordering: .relaxed).newValue
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let decision = state.withLock { $0.wait(id: id, continuation, cancelled: Task.isCancelled) }
                    switch decision {
                    case .use(let connection): continuation.resume(returning: connection)
                    case .refuse: continuation.resume(throwing: Self.poolClosed)
                    case .cancelled: continuation.resume(throwing: CancellationError())
                    case .queued: break
                    }
                }
            } onCancel: {
                state.withLock { $0.cancel(id: id) }?.resume(throwing: CancellationError())
            }
        }
    }

    /// Opens a connection for a slot already counted; gives the slot back on failure.
    private func openCounted() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(configuration)
        } catch {
            state.withLock { $0.openFailed() }
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) async {
        let reusable = !connection.isBroken && !connection.isInTransaction
        switch state.withLock({ $0.release(connection, reusable: reusable) }) {
        case .keep: break
        case .handOver(let waiter): waiter.resume(returning: connection)
        case .close:
            if !reusable { logger.info("replacing a broken database connection") }
            await connection.close()
        case .closeAndOpenFor(let waiter):
            // Broken, or left inside a transaction: closed, and a new one opened for the waiter.
            logger.info("replacing a broken database connection")
            await connection.close()
            do {
                waiter.resume(returning: try await openCounted())
            } catch {
                waiter.resume(throwing: error)
            }
        }
    }
}

extension PostgresError {
    /// Nothing was sent and trying again may work: a pooled connection found dead, or a
    /// server that is unreachable or starting up. A refused login or unknown database is not.
    var isRetriableConnectionFailure: Bool {
        guard !sentToServer else { return false }
        switch code {
        case .connectionClosed: return true
        case .connectionFailed: return sqlState == nil || sqlState == "57P03"
        default: return false
        }
    }
}
