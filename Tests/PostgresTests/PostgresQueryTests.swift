import Foundation
import Postgres
import Testing

private struct Address: Codable, Equatable, Sendable {
    var city: String
    var lines: [String]
}

@Suite(.timeLimit(.minutes(6))) struct PostgresQueryTests {
    @Test func interpolatedValuesBecomeParametersNotSQLText() {
        let code = "x'; DROP TABLE orders; --"
        let query: PostgresQuery = "SELECT * FROM skus WHERE code = \(code) AND qty > \(3)"
        #expect(query.sql == "SELECT * FROM skus WHERE code = $1 AND qty > $2")
        #expect(query.binds == [code, "3"])
    }

    @Test func anAdvisoryKeyNamesItsSchemaUnlessItIsTheServicesOwn() {
        #expect(PostgresQuery.advisoryKey("order:7", schema: "crm", home: "crm") == "order:7")
        #expect(PostgresQuery.advisoryKey("order:7", schema: "t_crm_1", home: "crm") == "t_crm_1/order:7")
        #expect(
            PostgresQuery.advisoryKey("order:7", schema: "t_crm_1", home: "crm")
                != PostgresQuery.advisoryKey("order:7", schema: "t_crm_2", home: "crm"))
    }

    @Test func anExplicitBindListIsSentAsIs() {
        let query = PostgresQuery(unsafeSQL: "SELECT $1::int + $2::int", binds: [1, 2])
        #expect(query.binds == ["1", "2"])
    }

    @Test func everySupportedTypeRoundTripsThroughTheServer() async throws {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let id = UUID()
        let when = Date(timeIntervalSince1970: 1_796_000_000.123456)
        let blob = Data([0, 1, 2, 250, 255])
        let address = Address(city: "杭州市", lines: ["文三路 1 号", "it's \"quoted\""])
        let text = "O'Brien; DROP TABLE x; -- 张三"
        let rows = try await connection.query(
            """
            SELECT \(42)::int8 AS i, \(Int32(-7))::int4 AS i32, \(Int64.max)::int8 AS i64, \(true)::bool AS b,
                   \(text)::text AS s, \(2.5)::float8 AS d, \(id)::uuid AS u, \(when)::timestamptz AS t,
                   \(blob)::bytea AS bytes, \(PostgresJSON(address))::jsonb AS j, \(Int?.none)::int AS missing
            """)
        let row = try #require(rows.first)
        #expect(try row.decode(Int.self, column: "i") == 42)
        #expect(try row.decode(Int32.self, column: "i32") == -7)
        #expect(try row.decode(Int64.self, column: "i64") == Int64.max)
        #expect(try row.decode(Bool.self, column: "b") == true)
        #expect(try row.decode(String.self, column: "s") == text)
        #expect(try row.decode(Double.self, column: "d") == 2.5)
        #expect(try row.decode(UUID.self, column: "u") == id)
        let decodedDate = try row.decode(Date.self, column: "t")
        #expect(abs(decodedDate.timeIntervalSince1970 - when.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode(Data.self, column: "bytes") == blob)
        #expect(try row.decodeJSON(Address.self, column: "j") == address)
        #expect(try row.decode(Int?.self, column: "missing") == nil)
        #expect(try row.decode(Int?.self, column: "i") == 42)
    }

    @Test func arraysAreSentAsArrayLiterals() async throws {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let ids: [Int64] = [3, 1, 2]
        let names = ["plain", "with \"quote\"", "back\\slash", "comma, and {brace}"]
        let row = try await connection.query(
            "SELECT array_length(\(ids)::bigint[], 1) AS n, (\(names)::text[])[2] AS second, (\(names)::text[])[4] AS fourth")[0]
        #expect(try row.decode(Int.self, column: "n") == 3)
        #expect(try row.decode(String.self, column: "second") == "with \"quote\"")
        #expect(try row.decode(String.self, column: "fourth") == "comma, and {brace}")
        let matched = try await connection.query("SELECT 2 = ANY(\(ids)::bigint[]) AS hit")[0].decode(Bool.self, column: "hit")
        #expect(matched)
    }

    @Test func byteaArraysRoundTripEveryByte() async throws {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let blobs = [Data([0, 1, 0x22, 0x5c, 0x7b, 0x7d, 0x2c, 250, 255]), Data(), Data(#"{"a":"\"b\""}"#.utf8)]
        let rows = try await connection.query("SELECT b FROM unnest(\(blobs)::bytea[]) WITH ORDINALITY AS u (b, n) ORDER BY n")
        let back = try rows.map { try $0.decode(Data.self, column: "b") }
        #expect(back == blobs)
    }

    @Test func timestampsWithOffsetsAndWithoutFractionsDecode() async throws {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let row = try await connection.query(
            "SELECT '2026-11-28T10:15:00+08:00'::timestamptz AS a, '1969-12-31 23:59:59.5Z'::timestamptz AS b")[0]
        #expect(try row.decode(Date.self, column: "a") == Date(timeIntervalSince1970: 1_795_832_100))
        #expect(try row.decode(Date.self, column: "b") == Date(timeIntervalSince1970: -0.5))
    }

    @Test func aDecodeErrorNamesTheColumnAndTheValue() async throws {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let row = try await connection.query("SELECT 'abc'::text AS quantity, NULL::int AS price")[0]
        #expect {
            _ = try row.decode(Int.self, column: "quantity")
        } throws: { error in
            let error = error as? PostgresDecodingError
            return error?.column == "quantity" && error?.value == "abc" && "\(error!)".contains("'abc'")
        }
        #expect {
            _ = try row.decode(Int.self, column: "price")
        } throws: { error in
            (error as? PostgresDecodingError).map { $0.column == "price" && $0.reason.contains("NULL") } ?? false
        }
        #expect(throws: PostgresDecodingError.self) { _ = try row.decode(Int.self, column: "no_such_column") }
    }

    @Test func affectedRowsAreCounted() async throws {
        let table = TestDatabase.uniqueName("affected")
        let connection = try await TestDatabase.connect()
        try await connection.executeScript("CREATE TABLE \(table) (n int)")
        let inserted = try await connection.query("INSERT INTO \(unescaped: table) SELECT generate_series(1, \(5))")
        #expect(inserted.affectedRows == 5)
        let updated = try await connection.query("UPDATE \(unescaped: table) SET n = n + 1 WHERE n > \(2)")
        #expect(updated.affectedRows == 3)
        #expect(updated.commandTag == "UPDATE 3")
        try await connection.executeScript("DROP TABLE \(table)")
        await connection.close()
    }
}

@Suite(.timeLimit(.minutes(6))) struct PostgresNULParameterTests {
    /// libpq passes text parameters as C strings: a NUL would cut the value short and store
    /// (or match) something else. The wrapper refuses it, naming the parameter, and sends nothing.
    @Test func aTextParameterWithANULIsRefusedNamingItAndNothingIsSent() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("t_nul")
        try await connection.executeScript("CREATE TABLE \(table) (v text)")
        do {
            _ = try await connection.query("INSERT INTO \(unescaped: table) (v) VALUES (\("ok")), (\("X\u{0}tail"))")
            Issue.record("a value with a NUL was sent")
        } catch let error as PostgresError {
            #expect(error.code == .invalidParameter)
            #expect(error.sqlState == "22021")
            #expect(error.message.contains("parameter $2 contains a NUL character"), "\(error)")
            #expect(!error.sentToServer)
        }
        do {
            try await connection.queue("INSERT INTO \(unescaped: table) (v) VALUES (\("Y\u{0}"))")
            Issue.record("a queued value with a NUL was taken")
        } catch let error as PostgresError {
            #expect(error.code == .invalidParameter)
        }
        let rows = try await connection.query("SELECT count(*)::int FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
        #expect(rows == 0)
        let bytes = try await connection.query("SELECT \(Data("X\u{0}tail".utf8))::bytea")[0].decode(Data.self, at: 0)
        #expect(bytes == Data("X\u{0}tail".utf8), "bytes keep every byte")
        try await connection.executeScript("DROP TABLE \(table)")
        await connection.close()
    }
}
