import Analytics
import Foundation
import Logging
import Messaging
import Postgres
import Saga
import TestSupport
import Testing

/// What the alert rules watch, read from the real servers: the unfinished sagas by type and
/// state with the longest wait, and the analysts' replica streaming from the primary.
@Suite(.timeLimit(.minutes(6))) struct OperatorGaugesTests {
    @Test func sagaGaugesCountWaitingAndStuckSagasAndTheLongestWait() async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: 1)
        let schema = TestEnvironment.uniqueName("t_gauges")
        try await MessagingSchema.migrate(schema: schema, pool: pool)
        try await PostgresMigrator(schema: schema, migrations: SagaMigrations.all).migrate(pool)
        var failure: (any Error)?
        do {
            // Two fulfilments waiting (one for two hours), one stuck return, one completed.
            try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(schema).instances (id, type, key, status, step, compensating, state, version, created_at)
                        VALUES (gen_random_uuid(), 'fulfilment', 'f:1', 'waiting', 1, false, '{}', 1, now() - interval '2 hours'),
                               (gen_random_uuid(), 'fulfilment', 'f:2', 'waiting', 1, false, '{}', 1, now()),
                               (gen_random_uuid(), 'return', 'r:1', 'stuck', 3, true, '{}', 1, now()),
                               (gen_random_uuid(), 'fulfilment', 'f:3', 'completed', 5, false, '{}', 1, now())
                        """))
            let reading = try await SagaGauges(schema: schema, pool: pool, logger: Logger(label: "test")).read()
            let counts = reading.counts.map { "\($0.key.type) \($0.key.status) \($0.value)" }.sorted()
            #expect(counts == ["fulfilment waiting 2", "return stuck 1"])
            let waited = reading.oldestWaiting["fulfilment"] ?? 0
            #expect(waited > 7_100 && waited < 7_500, "the oldest fulfilment has waited two hours: \(waited) s")
        } catch {
            failure = error
        }
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        await pool.close()
        if let failure { throw failure }
    }

    /// The test servers run the analysts' replica (deploy/local/servers.sh); the analytics
    /// role, a member of pg_monitor, sees it stream.
    @Test func theReplicaGaugeSeesTheStandbyStreamAsTheAnalyticsRole() async throws {
        var url = try #require(URLComponents(string: TestEnvironment.databaseURL))
        (url.user, url.password) = ("erp_analytics", "erp_analytics")
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: try #require(url.string)), size: 1)
        defer { Task { await pool.close() } }
        let reading = try await ReplicaGauges(pool: pool, logger: Logger(label: "test")).read()
        #expect(reading.streaming >= 1, "the replica streams")
        #expect(reading.lagSeconds >= 0 && reading.lagSeconds < 60)
    }
}
