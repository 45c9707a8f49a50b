import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle

/// How the analysts' replica keeps up, read from the primary's `pg_stat_replication` every
/// 15 seconds (the service's role is a member of `pg_monitor`): `erp_replica_streaming`, the
/// standbys now streaming, and `erp_replica_lag_seconds`, the largest replay lag among them
/// (0 when they have replayed everything). Alert rules: deploy/monitoring/alerts.yml.
public final class ReplicaGauges: Service, Sendable {
    let pool: PostgresPool
    let logger: Logger
    let interval: Duration

    public init(pool: PostgresPool, logger: Logger, interval: Duration = .seconds(15)) {
        (self.pool, self.logger, self.interval) = (pool, logger, interval)
    }

    /// (standbys streaming, largest replay lag in seconds).
    public func read() async throws -> (streaming: Int, lagSeconds: Double) {
        let row = try await pool.query(
            """
            SELECT count(*) FILTER (WHERE state = 'streaming')::bigint,
                   coalesce(max(extract(epoch FROM replay_lag)) FILTER (WHERE state = 'streaming'), 0)::float8
            FROM pg_stat_replication
            """)[0]
        return (Int(try row.decode(Int64.self, at: 0)), try row.decode(Double.self, at: 1))
    }

    public func run() async throws {
        let streaming = Gauge(label: "erp_replica_streaming")
        let lag = Gauge(label: "erp_replica_lag_seconds")
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let reading = try await read()
                streaming.record(reading.streaming)
                lag.record(reading.lagSeconds)
            } catch {
                logger.warning("replica lag not read; trying again", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
