import Foundation
import Postgres
import TestSupport

/// Server addresses come from the environment, as the test command sets them
/// (`deploy/local/test.sh`); the defaults match `deploy/local/servers.sh`.
enum TestDatabase {
    static var url: String { TestEnvironment.databaseURL }

    static var configuration: PostgresConfiguration {
        var configuration = try! PostgresConfiguration(url: url)
        configuration.applicationName = "erp-tests"
        return configuration
    }

    /// A table name no other test uses.
    static func uniqueName(_ prefix: String) -> String { TestEnvironment.uniqueName(prefix) }

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration)
    }

    /// Runs `body` with a pool of `size` and a fresh table `(id int PRIMARY KEY, n int …)`,
    /// dropped afterwards (also when `body` throws).
    static func withTable(
        _ prefix: String, size: Int = 3, n: String = "int NOT NULL", _ body: (PostgresPool, String) async throws -> Void
    ) async throws {
        let pool = PostgresPool(configuration: configuration, size: size)
        let table = uniqueName(prefix)
        try await pool.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id int PRIMARY KEY, n \(n))"))
        do {
            try await body(pool, table)
        } catch {
            _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"))
            await pool.close()
            throw error
        }
        try await pool.query(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"))
        await pool.close()
    }
}
