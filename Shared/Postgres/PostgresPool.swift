import ConnectionThread
import Foundation
import Logging

/// A fixed-size pool of ``PostgresConnection``s, each on its own thread. Tasks lease a
/// connection with ``withConnection(isolation:_:)`` or ``withTransaction(isolation:maxAttempts:isolation:_:)``
/// and wait when all are busy. Connections found broken (server restart,
/// `pg_terminate_backend`, network loss) are closed and replaced by new ones.
public final class PostgresPool: @unchecked Sendable {
    public let configuration: PostgresConfiguration
    public let size: Int
    private let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<PostgresConnection, Error>] = []
    private var closed = false

    public init(configuration: PostgresConfiguration, size: Int = 4, logger: Logger = Logger(label: "erp.postgres")) {
        precondition(size > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.size = size
        self.logger = logger
    }

    public convenience init(url: String, size: Int = 4, logger: Logger = Logger(label: "erp.postgres")) throws {
        self.init(configuration: try PostgresConfiguration(url: url), size: size, logger: logger)
    }

    /// Connections open now (idle or leased).
    public var openConnections: Int { lock.withLock { open } }

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
        let (toClose, toFail) = lock.withLock {
            closed = true
            let toClose = idle
            idle.removeAll()
            open -= toClose.count
            let toFail = waiters
            waiters.removeAll()
            return (toClose, toFail)
        }
        for waiter in toFail { waiter.resume(throwing: Self.poolClosed) }
        for connection in toClose { await connection.close() }
    }

    // MARK: - Leasing

    private static let poolClosed = PostgresError(code: .connectionClosed, message: "the pool is closed", sentToServer: false)

    private enum LeaseDecision {
        case use(PostgresConnection)
        case create
        case wait
        case refuse
    }

    private func lease() async throws -> PostgresConnection {
        let decision: LeaseDecision = lock.withLock {
            if closed { return .refuse }
            if let connection = idle.popLast() { return .use(connection) }
            if open < size {
                open += 1
                return .create
            }
            return .wait
        }
        switch decision {
        case .use(let connection): return connection
        case .refuse: throw Self.poolClosed
        case .create: return try await createCounted()
        case .wait:
            return try await withCheckedThrowingContinuation { continuation in
                let ready: Result<PostgresConnection, Error>? = lock.withLock {
                    if closed { return .failure(Self.poolClosed) }
                    // A connection may have been returned between the decision and now.
                    if let connection = idle.popLast() { return .success(connection) }
                    waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }

    /// Opens a connection for a slot already counted in `open`; gives the slot back on failure.
    private func createCounted() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(configuration)
        } catch {
            lock.withLock { open -= 1 }
            throw error
        }
    }

    private enum ReleaseDecision {
        case handOver(CheckedContinuation<PostgresConnection, Error>)
        case keep
        case close
    }

    private func release(_ connection: PostgresConnection) async {
        if !connection.isBroken, !connection.isInTransaction {
            let decision: ReleaseDecision = lock.withLock {
                if closed {
                    open -= 1
                    return .close
                }
                if !waiters.isEmpty { return .handOver(waiters.removeFirst()) }
                idle.append(connection)
                return .keep
            }
            switch decision {
            case .handOver(let waiter): waiter.resume(returning: connection)
            case .close: await connection.close()
            case .keep: break
            }
            return
        }
        // Broken, or left inside a transaction: close it and open a replacement for a waiter.
        logger.info("replacing a broken database connection")
        await connection.close()
        let waiter: CheckedContinuation<PostgresConnection, Error>? = lock.withLock {
            guard !waiters.isEmpty, !closed else {
                open -= 1
                return nil
            }
            return waiters.removeFirst()
        }
        guard let waiter else { return }
        do {
            waiter.resume(returning: try await createCounted())
        } catch {
            waiter.resume(throwing: error)
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
