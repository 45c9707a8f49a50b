import ArgumentParser
import Foundation
import Logging

/// `erp-bench`: throughput benchmarks of the Postgres and AMQP wrappers against the real
/// servers. Each prints its figures; `Tests/Benchmarks/run.sh` runs them beside the C loop
/// and pgbench on the same servers.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erp-bench",
        abstract: "Throughput benchmarks of the Postgres and AMQP wrappers.",
        subcommands: [
            AMQPBenchmark.self, PostgresBenchmark.self, ChainBenchmark.self, ReservationBenchmark.self, IntakeBenchmark.self,
            FulfilmentBenchmark.self, IdleMemoryBenchmark.self, FuzzBenchmark.self, CRMBenchmark.self, RecommendBenchmark.self,
            ForecastBenchmark.self, AnalyticsBenchmark.self, ReplicaLagBenchmark.self, CatalogSearchBenchmark.self, LotTraceBenchmark.self,
            SoakBenchmark.self,
        ])
}

/// Seconds since an arbitrary point, for measuring intervals.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Logs warnings and worse only, to standard error: the benchmarks print their figures on standard output.
func bootstrapQuietLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
}

func environment(_ name: String, default fallback: String) -> String {
    ProcessInfo.processInfo.environment[name] ?? fallback
}
