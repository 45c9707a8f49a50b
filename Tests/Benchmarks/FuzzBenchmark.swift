import ArgumentParser
import Foundation
import Ingest
import Orders
import TestSupport

/// `erp-bench fuzz [--cases N] [--seed S]`: many more hostile platform bodies than the test
/// command runs, through the whole read path of intake (no servers). Each must become an
/// order within every bound or a rejection with a reason; the command prints how many of
/// each code, the rate, and exits 1 on the first case that breaks the rule (with its body).
struct FuzzBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fuzz", abstract: "Hostile platform bodies through intake's read path.")
    @Option(help: "How many bodies.") var cases = 100_000
    @Option(help: "Seed of the cases (the same seed gives the same bodies).") var seed: UInt64 = 1

    func run() async throws {
        let configuration = IngestConfiguration()
        var codes: [String: Int] = [:]
        let start = monotonicSeconds()
        for (index, draw) in HostileBodies.cases(seed: seed, count: cases).enumerated() {
            let body = HostileBodies.body(id: "FZ-\(index)", changes: draw.changes, structural: draw.structural)
            let message = IngestMessage(
                exchange: "erp.ingest", routingKey: "platform.web.order.created", messageID: nil, signature: nil, shopHeader: nil, body: body)
            do {
                let order = try IntakeReading.read(message, configuration: configuration)
                guard order.total.minorUnits <= IntakeLimits.amountMinorUnits, order.lines.allSatisfy({ $0.quantity <= IntakeLimits.quantity }) else {
                    print("case \(index) broke a bound: \(String(decoding: body.prefix(500), as: UTF8.self))")
                    throw ExitCode(1)
                }
                codes["taken", default: 0] += 1
            } catch let rejection as IntakeRejection {
                guard !rejection.reason.isEmpty else {
                    print("case \(index) was refused without a reason: \(String(decoding: body.prefix(500), as: UTF8.self))")
                    throw ExitCode(1)
                }
                codes[rejection.code, default: 0] += 1
            }
        }
        let seconds = monotonicSeconds() - start
        for (code, count) in codes.sorted(by: { $0.value > $1.value }) { print("\(code): \(count)") }
        print(
            String(
                format: "fuzz: %d bodies (seed %llu) in %.2f s, %.0f bodies/s, none trapped, every rule held", cases, seed, seconds,
                Double(cases) / seconds))
    }
}
