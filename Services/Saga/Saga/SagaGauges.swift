import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle

/// The sagas an operator must watch, as metrics (read every 30 seconds): how many of each
/// type wait or are stuck (`erp_saga_instances{type,status}`), and how long the oldest waiting
/// one of each type has waited (`erp_saga_oldest_waiting_seconds{type}`). The alert rules
/// (deploy/monitoring/alerts.yml) fire on a stuck saga and on one waiting for days.
public final class SagaGauges: Service, Sendable {
    let schema: String
    let pool: PostgresPool
    let logger: Logger
    let interval: Duration

    public init(schema: String, pool: PostgresPool, logger: Logger, interval: Duration = .seconds(30)) {
        (self.schema, self.pool, self.logger, self.interval) = (schema, pool, logger, interval)
    }

    /// One reading: (type, status) → count of the unfinished sagas, and type → seconds the
    /// oldest waiting one has waited.
    public func read() async throws -> (counts: [SagaKind: Int], oldestWaiting: [String: Double]) {
        let rows = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT type, status, count(*)::bigint,
                           extract(epoch FROM now() - min(created_at))::float8
                    FROM \(PostgresQuery.quoteIdentifier(schema)).instances
                    WHERE status IN ('waiting', 'stuck') GROUP BY type, status
                    """))
        var counts: [SagaKind: Int] = [:]
        var oldest: [String: Double] = [:]
        for row in rows {
            let kind = SagaKind(type: try row.decode(String.self, at: 0), status: try row.decode(String.self, at: 1))
            counts[kind] = Int(try row.decode(Int64.self, at: 2))
            if kind.status == "waiting" { oldest[kind.type] = try row.decode(Double.self, at: 3) }
        }
        return (counts, oldest)
    }

    public struct SagaKind: Hashable, Sendable {
        public let type: String
        public let status: String
    }

    public func run() async throws {
        // Every combination seen so far: one that is gone reads 0, not its last value.
        var seenKinds: Set<SagaKind> = []
        var seenTypes: Set<String> = []
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let (counts, oldest) = try await read()
                seenKinds.formUnion(counts.keys)
                seenTypes.formUnion(oldest.keys)
                for kind in seenKinds {
                    Gauge(label: "erp_saga_instances", dimensions: [("type", kind.type), ("status", kind.status)])
                        .record(counts[kind] ?? 0)
                }
                for type in seenTypes {
                    Gauge(label: "erp_saga_oldest_waiting_seconds", dimensions: [("type", type)]).record(oldest[type] ?? 0)
                }
            } catch {
                logger.warning("saga gauges not read; trying again", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
