import AMQP
import ArgumentParser
import Contracts
import Foundation
import Inventory
import Logging
import Messaging
import Postgres
import ServiceLifecycle
import ServiceTestSupport

/// Reservations per second through the real queue: orders of 1–3 lines over 1,000 SKUs
/// stocked in 3 warehouses are sent as `inventory.reserve_stock.v1` commands to the
/// inventory service's consumer (inbox, allocation, conditional updates, ledger, event and
/// outcome in the outbox, one transaction per batch), whose outcomes come back through
/// the outbox relay and `erp.replies`. Timed from the first publish to the last outcome.
struct ReservationBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reservations", abstract: "inventory.reserve_stock.v1 through the queue; reservations per second.")

    @Option(help: "Database URL.") var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Broker URL.") var amqpURL = environment("ERP_AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5679/%2f")
    @Option(help: "Orders to reserve.") var orders = 10_000
    @Option(help: "SKUs.") var skus = 1_000
    @Option(help: "Consumer batch sizes to compare, comma-separated.") var batchSizes = "1,200"
    @Option(help: "Database connections of the service.") var poolSize = 4
    @Flag(help: "Publish every command before the service starts; time only the service draining them and replying.")
    var preload = false

    var sizes: [Int] { batchSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    mutating func validate() throws {
        guard orders > 0, skus > 0 else { throw ValidationError("orders and skus must be positive") }
        guard !sizes.isEmpty, sizes.allSatisfy({ (1...1000).contains($0) }) else { throw ValidationError("batch sizes are 1 to 1000") }
    }

    func run() async throws {
        bootstrapQuietLogging()
        for size in sizes {
            let (rate, refused) = try await measure(batchSize: size)
            print(
                String(
                    format:
                        "swift reservations%@: %d orders (1-3 lines) over %d SKUs in 3 warehouses, consumer batch %d: %.0f reservations/s (%d refused)",
                    preload ? " (preloaded queue)" : "", orders, skus, size, rate, refused))
        }
    }

    private func measure(batchSize: Int) async throws -> (Double, Int) {
        let database = try PostgresConfiguration(url: databaseURL)
        let broker = try AMQPConfiguration(url: amqpURL)
        let name = "bench_inv_\(UUID().uuidString.prefix(8).lowercased())"
        let exchange = "\(name).commands.exchange"
        let definition = InventoryService.definition(schema: name, queue: "\(name).commands", commandsExchange: exchange)
        let pool = PostgresPool(configuration: database, size: poolSize)
        try await MessagingSchema.migrate(schema: name, pool: pool)
        try await PostgresMigrator(schema: name, migrations: definition.migrations).migrate(pool)
        let store = StockStore(schema: name)
        let warehouses = [("SH", "east"), ("GZ", "south"), ("BJ", "north")]
        try await pool.withTransaction { tx in
            for (code, region) in warehouses { try await store.addWarehouse(code: code, name: code, region: region, in: tx) }
            for sku in 0..<skus {
                for (code, _) in warehouses {
                    try await store.receive(
                        sku: "SKU-\(sku)", warehouse: code, lot: "L1", expiry: nil, unitCost: Money(minorUnits: 1_000, currency: .cny),
                        quantity: 1_000, reference: "bench", in: tx)
                }
            }
        }
        let admin = try await AMQPConnection.connect(broker)
        try await Topology.declareExchanges(on: admin)
        try await admin.declareExchange(exchange, type: .topic, durable: false)
        // The service's events go to an exchange of its own.
        let eventsOut = "\(name).events.out"
        try await BenchExchanges.declare([eventsOut], prefix: name, on: admin)
        try await TestBrokerPolicies.apply(for: definition.queues)
        try await Topology.declare(definition.queues[0], on: admin)

        // As a service host wires them: the consumer hands what it committed to the relay.
        let handOff = OutboxHandOff()
        let consumer = MessageConsumer(
            service: "inventory", queue: definition.queues[0], schema: name, pool: pool, brokerConfiguration: broker,
            handlers: definition.handlers,
            configuration: .init(batchSize: batchSize, prefetch: UInt16(max(200, batchSize * 2)), eventsExchange: eventsOut), handOff: handOff)
        var relayConfiguration = OutboxRelay.Configuration()
        relayConfiguration.batchSize = 500
        let relay = OutboxRelay(schema: name, pool: pool, brokerConfiguration: broker, configuration: relayConfiguration, handOff: handOff)
        let group = ServiceGroup(services: [relay, consumer], logger: Logger(label: "bench"))
        let client = try await CommandClient.connect(broker, source: "bench", exchange: exchange)

        var random = SplitMix(seed: 42)
        let envelopes = try (0..<orders).map { order in
            let lines = (1...Int(random.next() % 3 + 1)).map { line in
                InventoryCommand.OrderLine(line: line, sku: "SKU-\(random.next() % UInt64(skus))", quantity: Int(random.next() % 3 + 1))
            }
            return try client.envelope(InventoryCommand.Reserve(order: "SO-\(order)", lines: lines, shippingRegion: "east"))
        }
        var running: Task<Void, Error>?
        let start: Double
        let outcomes: [UUID: CommandOutcome]
        if preload {
            try await client.publish(envelopes)
            start = monotonicSeconds()
            running = Task { try await group.run() }
            outcomes = try await client.outcomes(for: Set(envelopes.map(\.id)), timeout: .seconds(600))
        } else {
            running = Task { try await group.run() }
            start = monotonicSeconds()
            outcomes = try await client.send(envelopes, timeout: .seconds(600))
        }
        let elapsed = monotonicSeconds() - start
        let refused = outcomes.values.filter { $0.status == .refused }.count

        await group.triggerGracefulShutdown()
        try await running?.value
        await client.close()
        await Topology.delete(definition.queues[0], on: admin)
        await TestBrokerPolicies.remove(for: definition.queues)
        try? await admin.deleteExchange(exchange)
        await BenchExchanges.delete([eventsOut], prefix: name, on: admin)
        await admin.close()
        let invariants = try await StockInvariants(schema: name).check(pool)
        guard invariants.allSatisfy(\.held) else { throw ValidationError("invariants broken after the run: \(invariants)") }
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await pool.close()
        return (Double(orders) / elapsed, refused)
    }
}

/// A small deterministic random generator, so every run reserves the same orders.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
