import Foundation
import Postgres
import Testing

private struct Rollback: Error {}

@Suite(.timeLimit(.minutes(6))) struct PostgresTransactionTests {
    private func withTable(_ body: (PostgresPool, String) async throws -> Void) async throws {
        try await TestDatabase.withTable("tx", body)
    }

    @Test func aTransactionCommitsWhenTheClosureReturns() async throws {
        try await withTable { pool, table in
            try await pool.withTransaction { tx in
                try await tx.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(10))")
                try await tx.query("INSERT INTO \(unescaped: table) VALUES (\(2), \(20))")
            }
            let sum = try await pool.query("SELECT sum(n)::int AS s FROM \(unescaped: table)")[0].decode(Int.self, column: "s")
            #expect(sum == 30)
        }
    }

    @Test func aTransactionRollsBackWhenTheClosureThrows() async throws {
        try await withTable { pool, table in
            await #expect(throws: Rollback.self) {
                try await pool.withTransaction { tx in
                    try await tx.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(10))")
                    throw Rollback()
                }
            }
            let count = try await pool.query("SELECT count(*)::int AS c FROM \(unescaped: table)")[0].decode(Int.self, column: "c")
            #expect(count == 0)
        }
    }

    @Test func theIsolationLevelIsTheOneAskedFor() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 1)
        let level = try await pool.withTransaction(isolation: .serializable) { tx in
            try await tx.query("SHOW transaction_isolation")[0].decode(String.self, at: 0)
        }
        #expect(level == "serializable")
        await pool.close()
    }

    @Test(arguments: ["40001", "40P01"])
    func aSerializationFailureOrDeadlockRunsTheWholeClosureAgain(sqlState: String) async throws {
        try await withTable { pool, table in
            let attempts = Counter()
            try await pool.withTransaction { tx in
                let attempt = attempts.increment()
                try await tx.query("INSERT INTO \(unescaped: table) VALUES (\(attempt), \(attempt))")
                if attempt < 3 {
                    try await tx.executeScript("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '\(sqlState)'; END $$")
                }
            }
            #expect(attempts.value == 3)
            // Only the last attempt's row survived: the first two were rolled back.
            let ids = try await pool.query("SELECT id FROM \(unescaped: table)").map { try $0.decode(Int.self, at: 0) }
            #expect(ids == [3])
        }
    }

    @Test func retriesAreBoundedAndTheLastErrorIsReported() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 1)
        let attempts = Counter()
        do {
            try await pool.withTransaction(maxAttempts: 3) { tx in
                _ = attempts.increment()
                try await tx.executeScript("DO $$ BEGIN RAISE EXCEPTION 'always' USING ERRCODE = '40001'; END $$")
            }
            Issue.record("did not fail")
        } catch let error as PostgresError {
            #expect(error.code == .retriesExhausted)
            #expect(error.sqlState == "40001")
        }
        #expect(attempts.value == 3)
        await pool.close()
    }

    @Test func realConcurrentSerializableUpdatesAllSucceedThroughRetries() async throws {
        try await withTable { pool, table in
            try await pool.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(0))")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await pool.withTransaction(isolation: .serializable, maxAttempts: 50) { tx in
                            let n = try await tx.query("SELECT n FROM \(unescaped: table) WHERE id = 1")[0].decode(Int.self, at: 0)
                            try await tx.query("UPDATE \(unescaped: table) SET n = \(n + 1) WHERE id = 1")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let n = try await pool.query("SELECT n FROM \(unescaped: table) WHERE id = 1")[0].decode(Int.self, at: 0)
            #expect(n == 12)
        }
    }
}

/// A thread-safe counter for closures that run more than once.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() -> Int {
        lock.withLock {
            count += 1; return count
        }
    }
}
