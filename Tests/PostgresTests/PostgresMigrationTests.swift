import Foundation
import Postgres
import Testing

@Suite(.timeLimit(.minutes(6))) struct PostgresMigrationTests {
    private let first = PostgresMigration(version: 1, name: "items", sql: "CREATE TABLE items (id int PRIMARY KEY);")
    private let second = PostgresMigration(version: 2, name: "qty", sql: "ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 0;")

    private func withSchema(_ body: (PostgresPool, String) async throws -> Void) async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 4)
        let schema = TestDatabase.uniqueName("mig")
        do { try await body(pool, schema) } catch {
            _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
            await pool.close()
            throw error
        }
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
        await pool.close()
    }

    @Test func pendingMigrationsAreAppliedInOrderAndRecorded() async throws {
        try await withSchema { pool, schema in
            let applied = try await PostgresMigrator(schema: schema, migrations: [second, first]).migrate(pool)
            #expect(applied == [1, 2])
            try await pool.query(PostgresQuery(unsafeSQL: "INSERT INTO \(schema).items (id) VALUES (1)"))
            let recorded = try await pool.query(PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).schema_migrations ORDER BY version"))
            let bothVersionsRecorded = try recorded.map { try $0.decode(Int.self, at: 0) } == [1, 2]
            #expect(bothVersionsRecorded)
            // Running again applies nothing.
            #expect(try await PostgresMigrator(schema: schema, migrations: [first, second]).migrate(pool) == [])
        }
    }

    @Test func instancesStartingTogetherApplyEachMigrationOnce() async throws {
        try await withSchema { pool, schema in
            let migrator = try PostgresMigrator(schema: schema, migrations: [first, second])
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 { group.addTask { try await migrator.migrate(pool) } }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            let onlyOneInstanceApplied = results.filter { !$0.isEmpty } == [[1, 2]]
            #expect(onlyOneInstanceApplied)
        }
    }

    @Test func aMigrationChangedAfterItWasAppliedStopsTheStart() async throws {
        try await withSchema { pool, schema in
            try await PostgresMigrator(schema: schema, migrations: [first]).migrate(pool)
            let edited = PostgresMigration(version: 1, name: "items", sql: "CREATE TABLE items (id bigint PRIMARY KEY);")
            await #expect(throws: PostgresMigrationError.changedAfterApply(schema: schema, version: 1, name: "items")) {
                try await PostgresMigrator(schema: schema, migrations: [edited, second]).migrate(pool)
            }
            // Nothing of the refused run was applied.
            let count = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(schema).schema_migrations"))[0]
            #expect(try count.decode(Int.self, at: 0) == 1)
        }
    }

    @Test func aMigrationMadeLiteralIsAcceptedWhereItsEarlierTextWasAppliedAndNoOtherIs() async throws {
        try await withSchema { pool, schema in
            try await PostgresMigrator(schema: schema, migrations: [first]).migrate(pool)
            let literal = PostgresMigration(
                version: 1, name: "items", sql: "CREATE TABLE items (id int PRIMARY KEY); -- the same, literal", supersedes: [first.sql])
            #expect(try await PostgresMigrator(schema: schema, migrations: [literal, second]).migrate(pool) == [2])
            let unrelated = PostgresMigration(
                version: 1, name: "items", sql: "CREATE TABLE items (id bigint PRIMARY KEY);", supersedes: ["CREATE TABLE other ();"])
            await #expect(throws: PostgresMigrationError.changedAfterApply(schema: schema, version: 1, name: "items")) {
                try await PostgresMigrator(schema: schema, migrations: [unrelated, second]).migrate(pool)
            }
        }
    }

    @Test func anAppliedMigrationThisBuildDoesNotKnowStopsTheStart() async throws {
        try await withSchema { pool, schema in
            try await PostgresMigrator(schema: schema, migrations: [first, second]).migrate(pool)
            await #expect(throws: PostgresMigrationError.self) {
                try await PostgresMigrator(schema: schema, migrations: [first]).migrate(pool)
            }
        }
    }

    @Test func aFailingMigrationAppliesNothingAndReportsTheSQLError() async throws {
        try await withSchema { pool, schema in
            let broken = PostgresMigration(version: 2, name: "broken", sql: "ALTER TABLE nowhere ADD COLUMN x int;")
            await #expect {
                try await PostgresMigrator(schema: schema, migrations: [first, broken]).migrate(pool)
            } throws: { error in
                (error as? PostgresError)?.sqlState == "42P01"
            }
            let exists = try await pool.query("SELECT to_regclass(\(schema + ".items")) IS NOT NULL")[0].decode(Bool.self, at: 0)
            #expect(!exists)
        }
    }

    @Test func componentsOfOneSchemaNumberTheirMigrationsIndependently() async throws {
        try await withSchema { pool, schema in
            try await PostgresMigrator(schema: schema, migrations: [first]).migrate(pool)
            let shared = PostgresMigration(version: 1, name: "outbox", sql: "CREATE TABLE outbox_sample (seq bigint);")
            #expect(try await PostgresMigrator(schema: schema, component: "messaging", migrations: [shared]).migrate(pool) == [1])
            #expect(try await PostgresMigrator(schema: schema, migrations: [first, second]).migrate(pool) == [2])
        }
    }

    @Test func filesAreLoadedByTheirNumberAndBadNamesAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("migfiles"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 2;".write(to: folder.appendingPathComponent("0002_second.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: folder.appendingPathComponent("0001_first.sql"), atomically: true, encoding: .utf8)
        try "notes".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let loaded = try PostgresMigration.load(from: folder)
        #expect(loaded.map(\.version) == [1, 2])
        #expect(loaded.map(\.name) == ["first", "second"])
        try "SELECT 3;".write(to: folder.appendingPathComponent("third.sql"), atomically: true, encoding: .utf8)
        #expect(throws: PostgresMigrationError.badFileName("third.sql")) { try PostgresMigration.load(from: folder) }
    }
}
