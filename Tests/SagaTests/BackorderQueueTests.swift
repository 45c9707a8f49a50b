import Foundation
import Messaging
import Postgres
@testable import Saga
import TestSupport
import Testing

/// The backorder queue on a real database, under the interleaving that once lost stock: a
/// release that reads the order as being tried while its failed try puts it back to wait.
@Suite(.timeLimit(.minutes(6))) struct BackorderQueueTests {
    func withQueue(_ body: (PostgresPool, BackorderQueue) async throws -> Void) async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: 3)
        let schema = TestEnvironment.uniqueName("t_backorders")
        try await MessagingSchema.migrate(schema: schema, pool: pool)
        try await PostgresMigrator(schema: schema, migrations: SagaMigrations.all).migrate(pool)
        var failure: (any Error)?
        do { try await body(pool, BackorderQueue(schema: schema)) } catch { failure = error }
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        await pool.close()
        if let failure { throw failure }
    }

    @Test func stockArrivingWhileATriedOrderWaitsAgainReleasesItOnceItWaits() async throws {
        try await withQueue { pool, queue in
            try await pool.withTransaction { tx in _ = try await queue.wait(order: 1, skus: ["TEA"], paid: true, in: tx) }
            let first = try await pool.withTransaction { tx in try await queue.release(skus: ["TEA"], in: tx) }
            #expect(first.map(\.order) == [1], "the head of the queue is tried")
            // Its try fails for want of stock: it waits again, in a transaction that holds its row...
            let (held, holding) = AsyncStream<Void>.makeStream()
            let (go, going) = AsyncStream<Void>.makeStream()
            let waiter = Task {
                try await pool.withTransaction { tx in
                    _ = try await queue.wait(order: 1, skus: ["TEA"], paid: true, in: tx)
                    holding.yield()
                    for await _ in go { break }
                }
            }
            for await _ in held { break }
            // ...while goods arrive: the release meets the row locked, and waits for it.
            let releaser = Task { try await pool.withTransaction { tx in try await queue.release(skus: ["TEA"], in: tx) } }
            let blocked = try await eventually {
                try await pool.query(
                    "SELECT count(*)::int FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE \("%" + queue.schema + "%")"
                )[0].decode(Int.self, at: 0) >= 1
            }
            #expect(blocked, "the release waits for the row")
            going.yield()
            try await waiter.value
            let released = try await releaser.value
            #expect(released.map(\.order) == [1], "the order waits again, so the stock that came releases it")
        }
    }

    @Test func stockArrivingWhileAnOrderIsTriedIsNotedForIt() async throws {
        try await withQueue { pool, queue in
            try await pool.withTransaction { tx in _ = try await queue.wait(order: 1, skus: ["TEA"], paid: false, in: tx) }
            _ = try await pool.withTransaction { tx in try await queue.release(skus: ["TEA"], in: tx) }
            let again = try await pool.withTransaction { tx in try await queue.release(skus: ["TEA"], in: tx) }
            #expect(again.isEmpty, "an order being tried is not released twice")
            let arrived = try await pool.withTransaction { tx in try await queue.wait(order: 1, skus: ["TEA"], paid: false, in: tx) }
            #expect(arrived, "waiting again, it learns that stock came while it was tried")
        }
    }
}
