import Foundation
import Postgres
import TestSupport
import Testing

/// deploy/postgres/restore-drill.sh on the local servers: a database with service schemas and
/// awkward values is dumped, restored into a scratch database and compared table by table.
@Suite(.timeLimit(.minutes(6))) struct RestoreDrillTests {
    static let script = ComposeFileTests.repo.appendingPathComponent("deploy/postgres/restore-drill.sh").path

    @Test func aDumpRestoresIntoAScratchDatabaseWithEveryRowOfEveryTable() async throws {
        let name = TestEnvironment.uniqueName("drill")
        let admin = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: 1)
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        var components = try #require(URLComponents(string: TestEnvironment.databaseURL))
        components.path = "/\(name)"
        let url = try #require(components.string)
        let source = PostgresPool(configuration: try PostgresConfiguration(url: url), size: 1)
        do {
            try await source.withConnection { connection in
                try await connection.executeScript(
                    """
                    CREATE SCHEMA orders;
                    CREATE TABLE orders.orders (id bigserial PRIMARY KEY, external_id text NOT NULL, total numeric(12, 2), meta jsonb);
                    INSERT INTO orders.orders (external_id, total, meta)
                    SELECT 'DRILL-' || n, n * 1.25, jsonb_build_object('note', '张三 ''quoted'' ' || n, 'n', n) FROM generate_series(1, 1000) n;
                    CREATE SCHEMA finance;
                    CREATE TABLE finance.journal (entry bigint, account text, amount_minor bigint, booked_at timestamptz);
                    INSERT INTO finance.journal SELECT n / 2, CASE WHEN n % 2 = 0 THEN '1100' ELSE '4000' END, n, now() FROM generate_series(1, 500) n;
                    CREATE TABLE finance.empty (id int);
                    """)
            }
            await source.close()
            let drill = try await runProgramAsync("/bin/bash", [Self.script, url])
            #expect(drill.status == 0, "\(drill.output)")
            #expect(drill.output.contains("restore drill passed: 3 tables, 1500 rows"), "\(drill.output)")
            let scratch = drill.output.firstMatch(of: /scratch database (restore_drill_[0-9_]+) dropped/).map { String($0.output.1) }
            let named = try #require(scratch, "\(drill.output)")
            let leftovers = try await admin.query("SELECT count(*)::int FROM pg_database WHERE datname = \(named)")
            #expect(try leftovers[0].decode(Int.self, at: 0) == 0, "the scratch database \(named) is dropped")
        } catch {
            await source.close()
            throw error
        }
        _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        await admin.close()
    }

    @Test func aSourceThatCannotBeReadFailsTheDrillWithItsReason() async throws {
        var components = try #require(URLComponents(string: TestEnvironment.databaseURL))
        components.path = "/no_such_database_\(UUID().uuidString.prefix(8).lowercased())"
        let drill = try await runProgramAsync("/bin/bash", [Self.script, try #require(components.string)])
        #expect(drill.status == 1)
        #expect(drill.output.contains("pg_dump failed") && drill.output.contains("does not exist"), "\(drill.output)")
    }
}
