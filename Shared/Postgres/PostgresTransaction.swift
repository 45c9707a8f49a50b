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
        try await query(PostgresQuery(sql: "BEGIN ISOLATION LEVEL \(level.rawValue)"))
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
