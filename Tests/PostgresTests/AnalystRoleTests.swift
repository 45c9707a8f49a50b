import Foundation
import Postgres
import TestSupport
import Testing

/// Analysts read a hot-standby streaming replica as `erp_analyst`, which can read the
/// analytics schema and nothing else: no service table on the primary, no write anywhere.
@Suite(.timeLimit(.minutes(6))) struct AnalystRoleTests {
    static func analyst(_ url: String) throws -> PostgresConfiguration {
        var configuration = try PostgresConfiguration(url: url)
        configuration.user = "erp_analyst"
        configuration.password = "erp_analyst"
        return configuration
    }

    @Test func theAnalystCanReadNoServiceTableAndWriteNothingOnThePrimary() async throws {
        let connection = try await PostgresConnection.connect(try Self.analyst(TestEnvironment.databaseURL))
        let read = await #expect(throws: PostgresError.self) { try await connection.query("SELECT count(*) FROM orders.orders") }
        #expect(read?.sqlState == "42501", "permission denied for schema orders: \(String(describing: read))")
        let write = await #expect(throws: PostgresError.self) { try await connection.query("CREATE TABLE analytics.t_not_allowed (x int)") }
        #expect(write?.sqlState == "25006", "every transaction of the analyst is read-only: \(String(describing: write))")
        let timeout = try await connection.query("SHOW statement_timeout")[0].decode(String.self, at: 0)
        #expect(timeout == "1min")
        await connection.close()
    }

    @Test func theReplicaCatchesUpWithABurstAndRefusesWrites() async throws {
        let primary = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: 1)
        let replica = try await PostgresConnection.connect(try PostgresConfiguration(url: TestEnvironment.replicaURL))
        let schema = TestEnvironment.uniqueName("t_replica")
        try await primary.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"))
        try await primary.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(schema).burst (id int PRIMARY KEY, body text NOT NULL)"))
        try await primary.query(
            PostgresQuery(unsafeSQL: "INSERT INTO \(schema).burst SELECT n, repeat('x', 200) FROM generate_series(1, 20000) AS n"))
        let caughtUp = try await eventually(within: 30) {
            let exists = try await replica.query(PostgresQuery(unsafeSQL: "SELECT to_regclass('\(schema).burst') IS NOT NULL"))[0].decode(
                Bool.self, at: 0)
            guard exists else { return false }
            return try await replica.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(schema).burst"))[0].decode(Int.self, at: 0)
                == 20_000
        }
        #expect(caughtUp, "the replica replayed the burst")
        let write = await #expect(throws: PostgresError.self) {
            try await replica.query(PostgresQuery(unsafeSQL: "INSERT INTO \(schema).burst VALUES (0, 'no')"))
        }
        #expect(write?.sqlState == "25006", "a hot standby takes no write: \(String(describing: write))")
        let inRecovery = try await replica.query("SELECT pg_is_in_recovery()")[0].decode(Bool.self, at: 0)
        #expect(inRecovery)
        _ = try? await primary.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        await replica.close()
        await primary.close()
    }

    @Test func theAnalystReadsTheReplica() async throws {
        let connection = try await PostgresConnection.connect(try Self.analyst(TestEnvironment.replicaURL))
        let inRecovery = try await connection.query("SELECT pg_is_in_recovery()")[0].decode(Bool.self, at: 0)
        #expect(inRecovery, "ERP_ANALYTICS_DATABASE_URL's server is the replica")
        let usage = try await connection.query("SELECT has_schema_privilege('analytics', 'USAGE')")[0].decode(Bool.self, at: 0)
        #expect(usage)
        await connection.close()
    }
}
