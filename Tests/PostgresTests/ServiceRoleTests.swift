import Foundation
import Postgres
import TestSupport
import Testing

/// Each service's schema belongs to the service's own role; a role can use no other schema,
/// and migrations run by an operator act as the schema's owner.
@Suite(.timeLimit(.minutes(6))) struct ServiceRoleTests {
    @Test func migrationsOfASchemaOwnedByAServiceRoleCreateObjectsThatRoleOwns() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 2)
        let name = TestDatabase.uniqueName("t_role")
        let role = "\(name)_owner"
        try await pool.query(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) NOLOGIN"))
        try await pool.query(PostgresQuery(unsafeSQL: "GRANT \(role) TO current_user"))
        try await pool.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(name) AUTHORIZATION \(role)"))
        do {
            let migration = PostgresMigration(version: 1, name: "items", sql: "CREATE TABLE items (id int PRIMARY KEY);")
            #expect(try await PostgresMigrator(schema: name, migrations: [migration]).migrate(pool) == [1])
            let owners = try await pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT tableowner FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", binds: [name]))
            let serviceRoleOwnsEveryTable = try owners.map { try $0.decode(String.self, at: 0) } == [role, role]
            #expect(serviceRoleOwnsEveryTable)
        } catch {
            Issue.record(error)
        }
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP ROLE \(role)"))
        await pool.close()
    }

    @Test func aServiceRoleCannotReadAnotherServicesSchema() async throws {
        // The roles and schemas of deploy/postgres/service-roles.sql, made by the test servers.
        var catalog = TestDatabase.configuration
        catalog.user = "erp_catalog"
        catalog.password = "erp_catalog"
        let connection = try await PostgresConnection.connect(catalog)
        let read = await #expect(throws: PostgresError.self) { try await connection.query("SELECT count(*) FROM inventory.stock") }
        #expect(read?.sqlState == "42501", "permission denied for schema inventory, not merely a missing table: \(String(describing: read))")
        let error = await #expect(throws: PostgresError.self) { try await connection.query("CREATE SCHEMA t_not_allowed") }
        #expect(error?.sqlState == "42501")
        await connection.close()
    }
}
