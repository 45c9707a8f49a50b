import Foundation
import Postgres
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(6))) struct PostgresPoolTests {
    @Test func manyTasksShareAFixedNumberOfConnections() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 3)
        let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<30 {
                group.addTask {
                    try await pool.withConnection { connection in
                        _ = try await connection.query("SELECT pg_sleep(0.01)")
                        return try await connection.backendPID()
                    }
                }
            }
            var pids = Set<Int32>()
            for try await pid in group { pids.insert(pid) }
            return pids
        }
        #expect(pids.count <= 3)
        #expect(pool.openConnections <= 3)
        await pool.close()
    }

    @Test func aConnectionKilledByTheServerIsReplaced() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 1)
        let before = try await pool.withConnection { try await $0.backendPID() }
        let admin = try await TestDatabase.connect()
        let killed = try await admin.query("SELECT pg_terminate_backend(\(before)) AS ok")[0].decode(Bool.self, column: "ok")
        #expect(killed)
        // Once the server has ended it, use the pool as if nothing happened.
        let ended = try await eventually {
            try await admin.query("SELECT count(*)::int FROM pg_stat_activity WHERE pid = \(before)")[0].decode(Int.self, at: 0) == 0
        }
        #expect(ended)
        let value = try await pool.query("SELECT 41 + 1 AS answer")[0].decode(Int.self, column: "answer")
        #expect(value == 42)
        let after = try await pool.withConnection { try await $0.backendPID() }
        #expect(after != before)
        #expect(pool.openConnections == 1)
        await admin.close()
        await pool.close()
    }

    @Test func aConnectionKilledMidTransactionFailsThatTransactionAndThePoolRecovers() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 1)
        let admin = try await TestDatabase.connect()
        do {
            try await pool.withTransaction(maxAttempts: 1) { tx in
                let pid = try await tx.connection.backendPID()
                _ = try await admin.query("SELECT pg_terminate_backend(\(pid))")
                try await tx.query("SELECT 1")
            }
            Issue.record("the transaction survived its connection")
        } catch let error as PostgresError {
            #expect(error.code == .connectionClosed || error.code == .retriesExhausted)
        }
        #expect(try await pool.query("SELECT 1 AS one")[0].decode(Int.self, column: "one") == 1)
        await admin.close()
        await pool.close()
    }

    @Test func aTransactionBodyRunsOnItsConnectionsOwnThread() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 2)
        let onThread = try await pool.withTransaction { tx in
            let before = tx.connection.isCallerOnItsThread
            _ = try await tx.query("SELECT 1")
            return before && tx.connection.isCallerOnItsThread
        }
        #expect(onThread, "no hand-over between the body and its statements")
        let elsewhere = try await pool.withConnection { connection in
            try await pool.withConnection { other in other.isCallerOnItsThread && !connection.isCallerOnItsThread }
        }
        #expect(elsewhere, "a nested lease runs on the inner connection's thread")
        await pool.close()
    }

    @Test func aClosedPoolRefusesLeases() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 1)
        await pool.close()
        await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
    }

    @Test func aTaskCancelledWhileWaitingForAConnectionStopsWaiting() async throws {
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 1)
        try await pool.withConnection { _ in
            // The only connection is leased: the next lease waits, until its task is cancelled.
            let waiting = Task { try await pool.query("SELECT 1") }
            waiting.cancel()
            let result = await waiting.result
            #expect(throws: CancellationError.self) { try result.get() }
        }
        #expect(try await pool.query("SELECT 2 AS two")[0].decode(Int.self, column: "two") == 2, "the pool goes on")
        await pool.close()
    }

    @Test func blockingQueriesDoNotStallTheCooperativeThreadPool() async throws {
        // More sleeping queries than cores: if libpq ran on the cooperative pool, the
        // little task below could not run until they finished.
        let pool = PostgresPool(configuration: TestDatabase.configuration, size: 4)
        let order = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    _ = try await pool.query("SELECT pg_sleep(1)")
                    order.append("query")
                }
            }
            group.addTask {
                try await Task.sleep(nanoseconds: 300_000_000)
                order.append("swift")
            }
            try await group.waitForAll()
        }
        #expect(order.entries.first == "swift")
        await pool.close()
    }
}

final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    var entries: [String] { lock.withLock { items } }
    func append(_ item: String) { lock.withLock { items.append(item) } }
}
