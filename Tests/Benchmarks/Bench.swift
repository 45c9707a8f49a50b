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

/// The machine's busy CPU time, from `/proc/stat` (every process: PostgreSQL, RabbitMQ and
/// this one): user, nice, system, irq, softirq and steal, in seconds. Nil off Linux.
func machineBusySeconds() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
    else { return nil }
    let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard ticks.count >= 8 else { return nil }
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
    return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Milliseconds of the machine's busy CPU time per unit of work between two readings of
/// ``machineBusySeconds()``; nil when either is missing.
func cpuMilliseconds(from start: Double?, to end: Double?, per units: Int) -> Double? {
    guard let start, let end, units > 0 else { return nil }
    return (end - start) * 1000 / Double(units)
}
