import AMQP
import ArgumentParser
import Contracts
import Foundation
import Logging
import Messaging
import Orders
import Postgres
import ServiceLifecycle
import ServiceTestSupport

/// Platform order intake through the real broker into the database: canonical orders of
/// 1–3 lines over 1,000 known SKUs, published to `erp.ingest`-style routing keys and taken
/// by the orders service's intake (read, validate, one statement per new order, Placed
/// event in the outbox, one transaction per batch). Timed from the first publish until
/// every order is in the database.
struct IntakeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake", abstract: "Canonical platform orders into the database; orders per second.")

    @Option(help: "Database URL.") var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Broker URL.") var amqpURL = environment("ERP_AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5679/%2f")
    @Option(help: "Orders to take.") var orders = 20_000
    @Option(help: "Consumer batch sizes to compare, comma-separated.") var batchSizes = "1,200"
    @Flag(help: "Publish every order before the service starts; time only the service taking them.") var preload = false

    var sizes: [Int] { batchSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    mutating func validate() throws {
        guard orders > 0 else { throw ValidationError("orders must be positive") }
        guard !sizes.isEmpty, sizes.allSatisfy({ (1...1000).contains($0) }) else { throw ValidationError("batch sizes are 1 to 1000") }
    }

    func run() async throws {
        bootstrapQuietLogging()
        for size in sizes {
            let (rate, cpu) = try await measure(batchSize: size)
            print(
                String(
                    format: "swift intake%@: %d canonical orders (1-3 lines), consumer batch %d: %.0f orders/s into the database%@",
                    preload ? " (preloaded queue)" : "", orders, size, rate,
                    cpu.map { String(format: ", %.2f ms of machine CPU per order", $0) } ?? ""))
        }
    }

    private func measure(batchSize: Int) async throws -> (rate: Double, cpuPerOrder: Double?) {
        let database = try PostgresConfiguration(url: databaseURL)
        let broker = try AMQPConfiguration(url: amqpURL)
        let name = "bench_ord_\(UUID().uuidString.prefix(8).lowercased())"
        let exchange = "\(name).ingest.exchange"
        let definition = OrdersService.definition(
            schema: name, queuePrefix: name, ingestExchange: exchange, eventsExchange: exchange, commandsExchange: exchange)
        let pool = PostgresPool(configuration: database, size: 4)
        try await MessagingSchema.migrate(schema: name, pool: pool)
        try await PostgresMigrator(schema: name, migrations: definition.migrations).migrate(pool)
        try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(name).skus (code, product, title, price_minor, currency, tax_category, active)
                    SELECT 'SKU-' || n, 'P-' || n, 'Product ' || n, 9900, 'CNY', 'standard', true FROM generate_series(0, 999) AS n
                    """))
        let admin = try await AMQPConnection.connect(broker)
        try await Topology.declareExchanges(on: admin)
        try await admin.declareExchange(exchange, type: .topic, durable: false)
        // The service's events go to an exchange of its own.
        let eventsOut = "\(name).events.out"
        try await BenchExchanges.declare([eventsOut], prefix: name, on: admin)
        try await TestBrokerPolicies.apply(for: definition.queues)
        for queue in definition.queues { try await Topology.declare(queue, on: admin) }
        let ingest = definition.queues[0]

        // As a service host wires them: the consumer hands what it committed to the relay.
        let handOff = OutboxHandOff()
        let consumer = MessageConsumer(
            service: "orders", queue: ingest, schema: name, pool: pool, brokerConfiguration: broker, handlers: definition.handlers,
            configuration: .init(batchSize: batchSize, prefetch: UInt16(max(200, batchSize * 2)), eventsExchange: eventsOut), handOff: handOff)
        var relayConfiguration = OutboxRelay.Configuration()
        relayConfiguration.batchSize = 500
        let relay = OutboxRelay(schema: name, pool: pool, brokerConfiguration: broker, configuration: relayConfiguration, handOff: handOff)
        let group = ServiceGroup(services: [relay, consumer], logger: Logger(label: "bench"))

        var random = SplitMix(seed: 7)
        let encoder = MessageCoding.encoder()
        let bodies = try (0..<orders).map { index -> Data in
            var lines: [CanonicalOrder.Line] = []
            var total: Int64 = 1_000
            for _ in 0..<Int(random.next() % 3 + 1) {
                let quantity = Int(random.next() % 3 + 1)
                lines.append(.init(sku: "SKU-\(random.next() % 1_000)", quantity: quantity, unitPrice: "99.00"))
                total += Int64(quantity) * 9_900
            }
            let order = CanonicalOrder(
                platform: "web", shop: "main", externalId: "B-\(index)", placedAt: "2026-11-28T10:15:00Z", currency: "CNY",
                customer: .init(externalId: "c-\(index % 500)", name: "Customer", email: "c@example.com"),
                shippingAddress: .init(name: "Customer", country: "CN", province: "浙江省", city: "杭州市", line1: "文三路 1 号"), lines: lines,
                shippingFee: "10.00", shippingMethod: "standard",
                payment: .init(status: "paid", method: "alipay", amount: Money(minorUnits: total, currency: .cny).decimalString))
            return try encoder.encode(order)
        }
        let publisher = try await AMQPPublisher.connect(broker, window: 256)
        let publish = {
            let results = await publisher.publish(
                batch: bodies.map {
                    AMQPMessage(
                        exchange: exchange, routingKey: "platform.web.order.created", body: $0,
                        properties: AMQPProperties(contentType: "application/json", persistent: true))
                })
            guard results.allSatisfy({ (try? $0.get()) == .confirmed }) else { throw ValidationError("some orders were not confirmed") }
        }
        var running: Task<Void, Error>?
        let start: Double
        let busy: Double?
        if preload {
            try await publish()
            start = monotonicSeconds()
            busy = machineBusySeconds()
            running = Task { try await group.run() }
        } else {
            running = Task { try await group.run() }
            start = monotonicSeconds()
            busy = machineBusySeconds()
            try await publish()
        }
        var stored = 0
        while stored < orders {
            try await Task.sleep(for: .milliseconds(20))
            stored = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(name).orders"))[0].decode(Int.self, at: 0)
        }
        let elapsed = monotonicSeconds() - start
        let cpu = cpuMilliseconds(from: busy, to: machineBusySeconds(), per: orders)
        let quarantined = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(name).quarantine"))[0].decode(Int.self, at: 0)
        guard quarantined == 0 else { throw ValidationError("\(quarantined) orders were quarantined") }

        await group.triggerGracefulShutdown()
        try await running?.value
        await publisher.close()
        for queue in definition.queues {
            await Topology.delete(queue, on: admin)
        }
        for queue in definition.otherQueues { _ = try? await admin.deleteQueue(queue) }
        await TestBrokerPolicies.remove(for: definition.queues)
        for other in definition.otherExchanges { try? await admin.deleteExchange(other) }
        try? await admin.deleteExchange(exchange)
        await BenchExchanges.delete([eventsOut], prefix: name, on: admin)
        await admin.close()
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await pool.close()
        return (Double(orders) / elapsed, cpu)
    }
}
