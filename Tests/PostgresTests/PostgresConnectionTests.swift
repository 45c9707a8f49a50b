import Foundation
import Postgres
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(6))) struct PostgresConnectionTests {
    @Test func aRefusedConnectionSaysWhereItTriedToConnect() async {
        var configuration = TestDatabase.configuration
        configuration.port = 1
        configuration.connectTimeout = 2
        await #expect {
            _ = try await PostgresConnection.connect(configuration)
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .connectionFailed && error.message.contains("127.0.0.1:1") && !error.sentToServer
        }
    }

    @Test func aSocketDirectoryConnectsThroughTheUnixSocketWithoutTCP() async throws {
        let directory = try #require(TestEnvironment.postgresSocketDirectory, "ERP_PG_SOCKET_DIR is set by servers.sh env")
        var url = URLComponents(string: TestEnvironment.databaseURL)!
        url.queryItems = [URLQueryItem(name: "host", value: directory)]
        let connection = try await PostgresConnection.connect(try PostgresConfiguration(url: url.string!))
        // A session on a Unix socket has no client address.
        #expect(try await connection.query("SELECT inet_client_addr() IS NULL")[0].decode(Bool.self, at: 0))
        await connection.close()
    }

    @Test func aPlanCacheModeIsTheSessionsAndNoneLeavesTheServersDefault() async throws {
        var configuration = TestDatabase.configuration
        configuration.planCacheMode = .forceGenericPlan
        let generic = try await PostgresConnection.connect(configuration)
        #expect(try await generic.query("SHOW plan_cache_mode")[0].decode(String.self, at: 0) == "force_generic_plan")
        await generic.close()
        let plain = try await TestDatabase.connect()
        #expect(try await plain.query("SHOW plan_cache_mode")[0].decode(String.self, at: 0) == "auto")
        await plain.close()
    }

    @Test func aWrongPasswordKeepsTheServersMessageAndSQLState() async {
        var configuration = TestDatabase.configuration
        configuration.password = "definitely-wrong"
        await #expect {
            _ = try await PostgresConnection.connect(configuration)
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .connectionFailed && error.sqlState == "28P01"
                && error.message.contains("password authentication failed")
        }
    }

    @Test func anUnknownDatabaseIsReportedAsSuch() async {
        var configuration = TestDatabase.configuration
        configuration.database = "no_such_db_here"
        await #expect {
            _ = try await PostgresConnection.connect(configuration)
        } throws: { error in
            (error as? PostgresError)?.sqlState == "3D000"
        }
    }

    @Test func theApplicationNameIsVisibleToTheServer() async throws {
        var configuration = TestDatabase.configuration
        configuration.applicationName = "erp-appname-test"
        let connection = try await PostgresConnection.connect(configuration)
        let rows = try await connection.query("SELECT current_setting('application_name') AS name")
        #expect(try rows[0].decode(String.self, column: "name") == "erp-appname-test")
        await connection.close()
    }

    @Test func aSQLErrorCarriesSQLStateMessageAndStatement() async throws {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        do {
            try await connection.query("SELEC 1")
            Issue.record("accepted bad SQL")
        } catch let error as PostgresError {
            #expect(error.code == .server)
            #expect(error.sqlState == "42601")
            #expect(error.statement == "SELEC 1")
            #expect(error.message.contains("syntax error"))
        }
        // The connection is still usable after a statement error.
        #expect(try await connection.query("SELECT 1 AS one")[0].decode(Int.self, column: "one") == 1)
    }

    @Test func aUniqueViolationNamesTheConstraintAndDetail() async throws {
        let table = TestDatabase.uniqueName("uniq")
        let connection = try await TestDatabase.connect()
        try await connection.executeScript("CREATE TABLE \(table) (code text CONSTRAINT \(table)_code_key UNIQUE)")
        try await connection.query("INSERT INTO \(unescaped: table) (code) VALUES (\("SKU-1"))")
        do {
            try await connection.query("INSERT INTO \(unescaped: table) (code) VALUES (\("SKU-1"))")
            Issue.record("duplicate accepted")
        } catch let error as PostgresError {
            #expect(error.sqlState == "23505")
            #expect(error.constraint == "\(table)_code_key")
            #expect(error.detail?.contains("SKU-1") == true)
            #expect(error.table == table)
        }
        try await connection.executeScript("DROP TABLE \(table)")
        await connection.close()
    }

    @Test func aClosedConnectionRefusesQueries() async throws {
        let connection = try await TestDatabase.connect()
        await connection.close()
        await #expect(throws: (any Error).self) { try await connection.query("SELECT 1") }
        #expect(connection.isBroken)
    }
}
