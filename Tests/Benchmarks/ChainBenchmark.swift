import AMQP
import ArgumentParser
import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import SampleService
import ServiceLifecycle
import ServiceTestSupport

/// One hop through the messaging runtime, end to end: commands published to the sample
/// service's queue → consumer (inbox + handler + outbox row, one transaction) → outbox
/// relay → events consumed by a probe. Messages per second from the first publish to the
/// last event received, with and without consumer batching.
struct ChainBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain", abstract: "publish → consume → outbox → relay → consume; messages per second.")

    @Option(help: "Database URL.") var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Broker URL.") var amqpURL = environment("ERP_AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5679/%2f")
    @Option(help: "Messages per run.") var messages = 20_000
    @Option(help: "Consumer batch sizes to compare, comma-separated.") var batchSizes = "1,50"
    @Option(help: "Database connections of the service.") var poolSize = 4
    @Flag(help: "Publish every command before the service starts, and time only the service draining them (no load generator competing for the CPU).")
    var preload = false
    @Flag(help: "Run the consumer alone (no relay): time until every command is handled.")
    var onlyConsumer = false
    @Flag(help: "No hand-off: the relay reads every row back from the table, woken by NOTIFY (ERP_OUTBOX_HAND_OFF=off).")
    var noHandOff = false

    mutating func validate() throws {
        guard messages > 0 else { throw ValidationError("messages must be positive") }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 && $0 <= 1000 }) else {
            throw ValidationError("batch sizes must be numbers from 1 to 1000, e.g. 1,50")
        }
    }

    var sizes: [Int] { batchSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() async throws {
        bootstrapQuietLogging()
        for size in sizes {
            let rate = try await runChain(batchSize: size)
            print(
                String(
                    format: "swift chain%@%@%@: %d messages, consumer batch %d: %.0f msg/s end to end",
                    preload ? " (preloaded queue)" : "", onlyConsumer ? " (consumer only)" : "", noHandOff ? " (no hand-off)" : "", messages,
                    size, rate))
        }
    }

    private func runChain(batchSize: Int) async throws -> Double {
        let database = try PostgresConfiguration(url: databaseURL)
        let broker = try AMQPConfiguration(url: amqpURL)
        let name = "bench_chain_\(UUID().uuidString.prefix(8).lowercased())"
        let definition = SampleService.definition(schema: name, queue: "\(name).commands", bindings: [], eventsExchange: "\(name).events")
        let pool = PostgresPool(configuration: database, size: poolSize)
        try await MessagingSchema.migrate(schema: name, pool: pool)
        try await PostgresMigrator(schema: name, migrations: definition.migrations).migrate(pool)
        let admin = try await AMQPConnection.connect(broker)
        try await Topology.declareExchanges(on: admin)
        try await TestBrokerPolicies.apply(for: definition.queues)
        try await Topology.declare(definition.queues[0], on: admin)
        try await admin.declareExchange("\(name).events", type: .topic, durable: false)
        try await admin.declareQueue("\(name).probe", durable: true, arguments: ["x-queue-type": "quorum"])
        try await admin.bindQueue("\(name).probe", to: "\(name).events", routingKey: "#")

        let handOff = noHandOff ? nil : OutboxHandOff()
        let consumer = MessageConsumer(
            service: "sample", queue: definition.queues[0], schema: name, pool: pool, brokerConfiguration: broker,
            handlers: definition.handlers, configuration: .init(batchSize: batchSize, prefetch: UInt16(max(200, batchSize * 4))), handOff: handOff)
        var relayConfiguration = OutboxRelay.Configuration()
        relayConfiguration.pollInterval = .milliseconds(100)
        let relay = OutboxRelay(schema: name, pool: pool, brokerConfiguration: broker, configuration: relayConfiguration, handOff: handOff)
        let onlyConsumer = self.onlyConsumer
        let group = ServiceGroup(services: onlyConsumer ? [consumer] : [relay, consumer], logger: Logger(label: "bench"))
        let probe = try await AMQPConsumer.start(broker, queue: "\(name).probe", prefetch: 500)
        let publisher = try await AMQPPublisher.connect(broker, window: 256)
        let total = messages
        let preload = self.preload
        var running = preload ? nil : Task { try await group.run() }
        var start = monotonicSeconds()
        let publishing = Task {
            var confirmations: [AMQPConfirmation] = []
            confirmations.reserveCapacity(total)
            for index in 0..<total {
                let envelope = try Envelope(Tally.Add(key: "k\(index % 100)", amount: 1), source: "bench")
                confirmations.append(
                    try await publisher.send(
                        AMQPMessage(
                            exchange: "", routingKey: "\(name).commands", body: envelope.payload, properties: envelope.amqpProperties)))
            }
            for confirmation in confirmations { _ = try await confirmation.outcome() }
        }
        if preload {
            try await publishing.value
            start = monotonicSeconds()
            running = Task { try await group.run() }
        }
        var received = 0
        while onlyConsumer {
            let handled = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(name).inbox"))[0].decode(Int.self, at: 0)
            if handled == total { received = total; break }
            try await Task.sleep(for: .milliseconds(20))
        }
        while received < total {
            let batch = try await probe.nextBatch(max: 500)
            received += batch.count
            if let last = batch.last { probe.ack(last, multiple: true) }
        }
        let elapsed = monotonicSeconds() - start
        try await publishing.value

        await group.triggerGracefulShutdown()
        try await running?.value
        await probe.close()
        await publisher.close()
        for queue in ["\(name).commands", "\(name).commands.parked", "\(name).probe"] + (1...3).map({ "\(name).commands.retry.\($0)" }) {
            _ = try? await admin.deleteQueue(queue)
        }
        try? await admin.deleteExchange("\(name).events")
        await admin.close()
        await TestBrokerPolicies.remove(for: definition.queues)
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await pool.close()
        return Double(total) / elapsed
    }
}

/// The resident memory of an idle service process.
struct IdleMemoryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle-memory", abstract: "Start a service executable, let it settle, print its resident memory.")

    @Option(help: "The service executable (e.g. .build/release/erp-sample).") var binary: String
    @Option(help: "Seconds to let it settle before measuring.") var settle = 5

    func run() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        var environment = ProcessInfo.processInfo.environment
        environment["ERP_HTTP_PORT"] = "0"
        environment["ERP_LOG_LEVEL"] = "warning"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .seconds(settle))
        let rollup = try String(contentsOfFile: "/proc/\(process.processIdentifier)/smaps_rollup", encoding: .utf8)
        func megabytes(_ field: String) -> Double {
            let line = rollup.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
            return (line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1024
        }
        let rss = megabytes("Rss"), pss = megabytes("Pss"), anonymous = megabytes("Anonymous")
        process.terminate()
        process.waitUntilExit()
        print(
            String(
                format:
                    "idle memory of %@: resident %.1f MB (target < 40 MB), proportional %.1f MB, of which heap and stacks %.1f MB (the rest is shared libraries); exit status after SIGTERM: %d",
                (binary as NSString).lastPathComponent, rss, pss, anonymous, process.terminationStatus))
    }
}
