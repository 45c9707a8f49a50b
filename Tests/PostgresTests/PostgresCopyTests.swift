import Foundation
import Postgres
import Testing

private struct WriterGaveUp: Error {}

@Suite(.timeLimit(.minutes(6))) struct PostgresCopyTests {
    @Test func tenThousandRowsGoInWithCopyAndComeBackOut() async throws {
        let table = TestDatabase.uniqueName("copy")
        let connection = try await TestDatabase.connect()
        try await connection.executeScript("CREATE TABLE \(table) (id int, note text)")
        let copied = try await connection.copyFrom("COPY \(table) (id, note) FROM STDIN") { writer in
            for id in 1...10_000 {
                try await writer.writeRow([String(id), id % 1000 == 0 ? nil : "tab\there\\ line\nnext \(id)"])
            }
        }
        #expect(copied == 10_000)
        let check = try await connection.query(
            "SELECT count(*)::int AS c, count(note)::int AS notes, max(id) AS top FROM \(unescaped: table)")[0]
        #expect(try check.decode(Int.self, column: "c") == 10_000)
        #expect(try check.decode(Int.self, column: "notes") == 9_990)
        let note = try await connection.query("SELECT note FROM \(unescaped: table) WHERE id = \(7)")[0]
        #expect(try note.decode(String.self, column: "note") == "tab\there\\ line\nnext 7")

        var exported = Data()
        let exportedRows = try await connection.copyTo("COPY (SELECT id FROM \(table) ORDER BY id) TO STDOUT") {
            exported.append($0)
        }
        #expect(exportedRows == 10_000)
        let lines = String(decoding: exported, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 10_000)
        #expect(lines.first == "1" && lines.last == "10000")
        try await connection.executeScript("DROP TABLE \(table)")
        await connection.close()
    }

    @Test func badCopyDataFailsWithSQLStateAndStoresNothing() async throws {
        let table = TestDatabase.uniqueName("copybad")
        let connection = try await TestDatabase.connect()
        try await connection.executeScript("CREATE TABLE \(table) (id int)")
        do {
            try await connection.copyFrom("COPY \(table) (id) FROM STDIN") { writer in
                try await writer.writeRow(["1"])
                try await writer.writeRow(["not-a-number"])
            }
            Issue.record("bad row accepted")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22P02")
        }
        let count = try await connection.query("SELECT count(*)::int FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
        #expect(count == 0)
        try await connection.executeScript("DROP TABLE \(table)")
        await connection.close()
    }

    @Test func aWriterThatThrowsAbortsTheCopy() async throws {
        let table = TestDatabase.uniqueName("copyabort")
        let connection = try await TestDatabase.connect()
        try await connection.executeScript("CREATE TABLE \(table) (id int)")
        await #expect(throws: WriterGaveUp.self) {
            try await connection.copyFrom("COPY \(table) (id) FROM STDIN") { writer in
                try await writer.writeRow(["1"])
                throw WriterGaveUp()
            }
        }
        let count = try await connection.query("SELECT count(*)::int FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
        #expect(count == 0)
        try await connection.executeScript("DROP TABLE \(table)")
        await connection.close()
    }
}
