import ArgumentParser
import Foundation
import Postgres

/// `erp-bench replica-lag`: samples the analysts' replica's replay lag on the primary
/// (`pg_stat_replication.replay_lag`, none when it has nothing left to replay) every 100 ms for
/// a while, and prints its median, p99 and worst. Run it beside a load (`Tests/Benchmarks/run.sh
/// replica` runs it during `erp-bench fulfilment`).
struct ReplicaLagBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replica-lag", abstract: "The replica's replay lag under load: p50, p99, max.")
    @Option var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Seconds to sample.") var seconds = 60
    @Option(help: "The replication slot's application (the replica's name in pg_stat_replication).") var application = ""

    func run() async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 1)
        var lags: [Double] = []
        var written: [Int64] = []
        let end = monotonicSeconds() + Double(seconds)
        while monotonicSeconds() < end {
            let row = try await pool.query(
                """
                SELECT coalesce(extract(epoch FROM replay_lag), 0)::float8, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint
                FROM pg_stat_replication WHERE \(application) = '' OR application_name = \(application) ORDER BY replay_lag DESC NULLS LAST LIMIT 1
                """
            ).first
            guard let row else { throw ValidationError("no replica streams from \(databaseURL) (is it started? servers.sh status)") }
            lags.append(try row.decode(Double.self, at: 0))
            written.append(try row.decode(Int64.self, at: 1))
            try await Task.sleep(for: .milliseconds(100))
        }
        await pool.close()
        let sorted = lags.sorted()
        func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1)))] }
        let megabytes = Double((written.last ?? 0) - (written.first ?? 0)) / 1_048_576
        print(
            String(
                format: "replica-lag: %d samples over %d s, %.1f MB of WAL written: replay lag p50 %.3f s, p99 %.3f s, max %.3f s", lags.count,
                seconds,
                megabytes, quantile(0.5), quantile(0.99), sorted.last ?? 0))
    }
}
