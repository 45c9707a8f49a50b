import ArgumentParser
import Chaos
import Foundation

/// `erp-bench soak`: the chaos soak (Tests/Chaos). Every service as processes, two instances
/// each, a mixed workload and faults at seeded moments, then a reconciliation ending with
/// `N passed, M failed`; exits 1 on any failure.
struct SoakBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Chaos soak: services as processes, two instances each, load and faults, then a reconciliation (N passed, M failed).",
        discussion: """
            It restarts the local RabbitMQ and PostgreSQL (deploy/local/servers.sh) and sets RabbitMQ's consumer timeout \
            for its run: nothing else may use those servers meanwhile. The services run from the folder erp-bench is in \
            (build them in the same configuration: swift build -c release).
            """)

    @Option(help: "Minutes of load and faults (then it waits for quiet).") var minutes = 30.0
    @Option(help: "Seed of the workload's choices and the fault schedule (default: random, printed).") var seed: UInt64?
    @Option(help: "New platform orders per second.") var rate = 8.0
    @Option(name: .customLong("fault-every"), help: "Mean seconds between faults.") var faultEvery = 20.0
    @Flag(name: .customLong("no-faults"), help: "No faults: a throughput run (raise --rate past what the system takes).") var noFaults = false
    @Option(help: "Instances of every service and of the saga coordinator.") var instances = 2
    @Option(name: .customLong("consumer-timeout"), help: "RabbitMQ's consumer timeout during the soak, seconds.") var consumerTimeout = 10
    @Option(name: .customLong("quiet-limit"), help: "Seconds to wait at most for quiet at the end.") var quietLimit = 300.0
    @Option(name: .customLong("payment-timeout"), help: "The coordinator's payment deadline, seconds.") var paymentTimeout = 60

    func validate() throws {
        guard minutes > 0, minutes <= 24 * 60 else { throw ValidationError("--minutes must be above 0 and at most 1440 (got \(minutes))") }
        guard rate > 0, rate <= 1_000 else { throw ValidationError("--rate must be above 0 and at most 1000 orders/s (got \(rate))") }
        guard faultEvery >= 1 else { throw ValidationError("--fault-every must be at least 1 second (got \(faultEvery))") }
        guard (1...8).contains(instances) else { throw ValidationError("--instances must be 1 to 8 (got \(instances))") }
        guard (1...600).contains(consumerTimeout) else { throw ValidationError("--consumer-timeout must be 1 to 600 seconds") }
        guard (10...86_400).contains(paymentTimeout) else { throw ValidationError("--payment-timeout must be 10 to 86400 seconds") }
    }

    func run() async throws {
        bootstrapQuietLogging()
        let binaries = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        let settings = SoakSettings(
            minutes: minutes, seed: seed ?? UInt64.random(in: 1...999_999), rate: rate, faultEvery: noFaults ? nil : faultEvery,
            consumerTimeout: consumerTimeout, instances: instances, binaries: binaries, quietLimit: quietLimit, paymentTimeout: paymentTimeout)
        // Unbuffered: a long run's progress shows as it goes.
        let passed = try await Soak.run(settings) { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        if !passed { throw ExitCode(1) }
    }
}
