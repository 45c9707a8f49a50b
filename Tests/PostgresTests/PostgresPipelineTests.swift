import Foundation
import Postgres
import Testing

/// Queued statements (`PostgresTransaction.queue`) travel with the next awaited statement
/// in one pipeline; these tests hold them to the same rules as statements run one by one.
@Suite(.timeLimit(.minutes(6))) struct PostgresPipelineTests {
    private func withTable(_ body: (PostgresPool, String) async throws -> Void) async throws {
        try await TestDatabase.withTable("pipe", size: 1, n: "int NOT NULL CHECK (n >= 0)", body)
    }

    private func rows(_ pool: PostgresPool, _ table: String) async throws -> [String] {
        try await pool.query(PostgresQuery(unsafeSQL: "SELECT id || '=' || n FROM \(table) ORDER BY id")).map { try $0.decode(String.self, at: 0) }
    }

    @Test func queuedStatementsRunInOrderBeforeTheNextAwaitedStatementWhichSeesThem() async throws {
        try await withTable { pool, table in
            let seen = try await pool.withTransaction { tx in
                try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(1), \(10))")
                try await tx.queue("UPDATE \(unescaped: table) SET n = n + \(5) WHERE id = \(1)")
                try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(2), \(20))")
                return try await tx.query("SELECT sum(n)::int FROM \(unescaped: table)")[0].decode(Int.self, at: 0)
            }
            #expect(seen == 35)
            #expect(try await rows(pool, table) == ["1=15", "2=20"])
        }
    }

    @Test func statementsQueuedLastGoWithTheCommit() async throws {
        try await withTable { pool, table in
            try await pool.withTransaction { tx in
                for id in 1...(3 * 64 + 5) { try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(id), \(id))") }
            }
            let count = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)"))[0].decode(Int.self, at: 0)
            #expect(count == 3 * 64 + 5, "more than a pipeline's worth is sent in several")
        }
    }

    @Test func aFailingQueuedStatementFailsTheStatementItTravelsWithNamesItselfAndRollsEverythingBack() async throws {
        try await withTable { pool, table in
            let failure = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { tx in
                    try await tx.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                    try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(2), \(2))")
                    try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(3), \(-1))")  // violates the CHECK
                    try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(4), \(4))")
                    _ = try await tx.query("SELECT 1")
                }
            }
            #expect(failure?.sqlState == "23514")
            #expect(failure?.statement?.contains("INSERT INTO") == true)
            #expect(try await rows(pool, table) == [])
            // The session is usable afterwards, its prepared statements included.
            try await pool.withTransaction { tx in
                try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(5), \(5))")
                try await tx.query("INSERT INTO \(unescaped: table) VALUES (\(6), \(6))")
            }
            #expect(try await rows(pool, table) == ["5=5", "6=6"])
        }
    }

    @Test func aStatementFirstPreparedInAFailedPipelineIsPreparedAgainLater() async throws {
        try await withTable { pool, table in
            let fresh = "UPDATE \(table) SET n = n * $1 WHERE id = $2"
            await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { tx in
                    try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(1), \(-1))")  // fails first
                    try await tx.queue(PostgresQuery(unsafeSQL: fresh, binds: [2, 1]))  // its PREPARE is skipped
                    try await tx.query("SELECT 1")
                }
            }
            try await pool.withTransaction { tx in
                try await tx.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(3))")
                try await tx.query(PostgresQuery(unsafeSQL: fresh, binds: [2, 1]))
                try await tx.queue(PostgresQuery(unsafeSQL: fresh, binds: [2, 1]))
            }
            #expect(try await rows(pool, table) == ["1=12"])
        }
    }

    @Test func aRollbackToASavepointDropsWhatWasQueuedAfterIt() async throws {
        try await withTable { pool, table in
            try await pool.withTransaction { tx in
                try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                try await tx.query("SAVEPOINT s")
                try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(2), \(2))")
                try await tx.query("ROLLBACK TO SAVEPOINT s")
                try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(3), \(3))")
            }
            #expect(try await rows(pool, table) == ["1=1", "3=3"])
        }
    }

    @Test func aClosureThatThrowsLeavesNothingQueuedForTheNextTransaction() async throws {
        struct Stop: Error {}
        try await withTable { pool, table in
            await #expect(throws: Stop.self) {
                try await pool.withTransaction { tx in
                    try await tx.queue("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                    throw Stop()
                }
            }
            _ = try await pool.withTransaction { tx in try await tx.query("INSERT INTO \(unescaped: table) VALUES (\(2), \(2))") }
            #expect(try await rows(pool, table) == ["2=2"])
        }
    }
}
