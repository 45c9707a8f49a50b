import Analytics
import Foundation
import ServiceTestSupport
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The faults of the soak, one after another at seeded moments: an instance killed
/// (SIGKILL) and started again, RabbitMQ restarted, PostgreSQL restarted, an instance
/// paused (SIGSTOP) for longer than the broker's consumer timeout and let go (SIGCONT),
/// and a service stopped while its queue fills, then started. Each kind comes once first
/// (in a seeded order), then they are drawn at random.
final class Faults: Sendable {
    enum Kind: String, CaseIterable {
        case kill = "instance killed and restarted"
        case pause = "instance paused past the consumer timeout"
        case restartBroker = "RabbitMQ restarted"
        case restartDatabase = "PostgreSQL restarted"
        case fill = "queue filled while its service was down"
    }

    let system: ProcessSystem
    let ledger: SoakLedger
    let settings: SoakSettings
    let instances: [String]

    init(system: ProcessSystem, ledger: SoakLedger, settings: SoakSettings) {
        (self.system, self.ledger, self.settings) = (system, ledger, settings)
        instances = SoakSettings.services.flatMap { service in (1...settings.instances).map { ProcessSystem.instanceName(service, $0) } }
    }

    /// The broker's settings for the soak: a short consumer timeout, checked every two
    /// seconds (RabbitMQ checks it on its channel tick, once a minute by default).
    var brokerArguments: String { "-rabbit consumer_timeout \(settings.consumerTimeout * 1000) -rabbit channel_tick_interval 2000" }

    static func setBrokerTimeouts(consumerTimeout milliseconds: Int, tick: Int) async throws {
        let result = try await runProgramAsync(
            "/bin/bash",
            [
                TestEnvironment.serversScript, "rabbitmqctl", "eval",
                "application:set_env(rabbit, consumer_timeout, \(milliseconds)), application:set_env(rabbit, channel_tick_interval, \(tick)).",
            ])
        guard result.status == 0 else { throw SoakFailure("setting RabbitMQ's consumer timeout failed: \(result.output)") }
    }

    /// Runs faults until `end`.
    func run(until end: ContinuousClock.Instant) async {
        guard let faultEvery = settings.faultEvery else { return }
        var random = SplitMixRandom(seed: settings.seed &+ 0x5EED)
        var first = Kind.allCases.shuffled(using: &random)
        while true {
            let wait = faultEvery * Double.random(in: 0.5...1.5, using: &random)
            guard ContinuousClock.now + .milliseconds(Int(wait * 1000)) < end else { return }
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
            let kind =
                first.isEmpty
                ? [Kind.kill, .kill, .kill, .pause, .fill, .restartBroker, .restartDatabase].randomElement(using: &random)! : first.removeFirst()
            await inject(kind, &random)
        }
    }

    func inject(_ kind: Kind, _ random: inout SplitMixRandom) async {
        switch kind {
        case .kill:
            let name = instances.randomElement(using: &random)!
            await ledger.record(fault: kind.rawValue, "SIGKILL \(name)")
            await system.kill(name)
            try? await Task.sleep(for: .milliseconds(Int.random(in: 500...3_000, using: &random)))
            await restart(name)
        case .pause:
            let name = instances.randomElement(using: &random)!
            let seconds = settings.consumerTimeout + 9
            await ledger.record(fault: kind.rawValue, "SIGSTOP \(name) for \(seconds) s")
            system.signal(name, SIGSTOP)
            try? await Task.sleep(for: .seconds(seconds))
            system.signal(name, SIGCONT)
        case .restartBroker:
            await ledger.record(fault: kind.rawValue, "restarting RabbitMQ")
            let result = try? await runProgramAsync(
                "/usr/bin/env",
                ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=\(brokerArguments)", "/bin/bash", TestEnvironment.serversScript, "restart-rabbitmq"])
            if result?.status != 0 { await ledger.note("RabbitMQ restart failed: \(result?.output ?? "")") }
        case .restartDatabase:
            await ledger.record(fault: kind.rawValue, "restarting PostgreSQL")
            let result = try? await runProgramAsync("/bin/bash", [TestEnvironment.serversScript, "restart-postgres"])
            if result?.status != 0 { await ledger.note("PostgreSQL restart failed: \(result?.output ?? "")") }
        case .fill:
            let service = ["orders", "inventory", "finance", "saga"].randomElement(using: &random)!
            await ledger.record(fault: kind.rawValue, "stopping every instance of \(service) for 15 s")
            for instance in 1...settings.instances { await system.stop(ProcessSystem.instanceName(service, instance)) }
            try? await Task.sleep(for: .seconds(15))
            let depth = try? await runProgramAsync(
                "/bin/bash",
                [TestEnvironment.serversScript, "rabbitmqctl", "-q", "list_queues", "-p", system.tag, "name", "messages", "--no-table-headers"])
            let held = depth?.output.split(separator: "\n").filter { $0.hasPrefix("\(service).") }.joined(separator: ", ") ?? "?"
            await ledger.note("\(service) down 15 s; its queues held: \(held.replacingOccurrences(of: "\t", with: " "))")
            for instance in 1...settings.instances { await restart(ProcessSystem.instanceName(service, instance)) }
        }
    }

    /// Starts an instance again, trying until it is up (the broker or the database may be restarting).
    func restart(_ name: String) async {
        let parts = name.split(separator: "-")
        let service = String(parts[0]), instance = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
        for attempt in 1...5 {
            do {
                try await system.start(service, instance: instance, settings: Soak.serviceSettings(settings))
                return
            } catch {
                await ledger.note("starting \(name) failed (attempt \(attempt)): \(error)")
                await system.kill(name)
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}

struct SoakFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
