/// Transaction isolation levels.
public enum PostgresIsolation: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

/// The statements of one open transaction. It is only valid inside the
/// `withTransaction` closure that handed it out.
public struct PostgresTransaction: Sendable {
    public let connection: PostgresConnection

    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await connection.query(query)
    }

    /// Queues a statement whose result is not needed (an UPDATE, an INSERT without
    /// RETURNING): it goes to the server with the next awaited statement or the commit, in
    /// the same round trip, and runs before it. Its failure is thrown there and fails the
    /// transaction, so do not queue a statement whose error the caller means to handle.
    public func queue(_ query: PostgresQuery) async throws {
        try await connection.queue(query)
    }

    @discardableResult
    public func executeScript(_ sql: String) async throws -> PostgresRows {
        try await connection.executeScript(sql)
    }
}

extension PostgresConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    /// No retry here (see ``PostgresPool/withTransaction(isolation:maxAttempts:isolation:_:)``).
    public func withTransaction<T>(
        isolation level: PostgresIsolation = .readCommitted,
        isolation actor: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        try await query(PostgresQuery(unsafeSQL: "BEGIN ISOLATION LEVEL \(level.rawValue)"))
        let result: T
        do {
            result = try await body(PostgresTransaction(connection: self))
        } catch {
            if !isBroken { _ = try? await query("ROLLBACK") }
            throw error
        }
        do {
            try await query("COMMIT")
        } catch {
            if !isBroken { _ = try? await query("ROLLBACK") }
            throw error
        }
        return result
    }
}
