import Synchronization
import AMQP
import ArgumentParser
import Contracts
import Finance
import Foundation
import Inventory
import Logging
import Messaging
import Orders
import Postgres
import Saga
import ServiceKit
import ServiceTestSupport

/// End to end: paid platform orders from `erp.ingest`-style messages to `completed`, with
/// orders, inventory, finance and the saga coordinator all running in this process on the
/// real servers. A simulated warehouse confirms every parcel (`warehouse.<w>.shipment.confirmed`)
/// and a simulated carrier delivers it (`carrier.<c>.tracking.delivered`). Prints orders per
/// second, then, at half that rate, the latency from the platform message to `allocated`.
struct FulfilmentBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fulfilment", abstract: "Platform message → completed, all services; orders/s and latency.")

    @Option(help: "Orders to fulfil.") var orders = 2_000
    @Option(help: "Rate for the latency run, orders/s (default: half the measured throughput).") var rate: Double?

    func run() async throws {
        // BENCH_LOG_LEVEL=warning shows retries and back-offs during a run.
        let level = ProcessInfo.processInfo.environment["BENCH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let (throughput, cpu) = try await System.start().measureThroughput(orders)
        print(
            String(
                format: "swift fulfilment: %d paid orders from platform message to completed (4 services, in process): %.0f orders/s%@", orders,
                throughput, cpu.map { String(format: ", %.2f ms of machine CPU per order", $0) } ?? ""))
        let paced = rate ?? throughput / 2
        let latencies = try await System.start().measureLatency(max(200, orders / 2), rate: paced)
        print(
            String(
                format: "swift fulfilment latency at %.0f orders/s, platform message to allocated: p50 %.0f ms, p99 %.0f ms (%d orders)",
                paced, latencies.p50 * 1000, latencies.p99 * 1000, latencies.count))
    }

    struct System {
        let tag: String
        let commands: String
        let events: String
        let hosts: [String: ServiceHost]
        let environment: ServiceEnvironment

        static func start() async throws -> System {
            var variables = ProcessInfo.processInfo.environment
            variables["ERP_HTTP_PORT"] = "0"
            let environment = try ServiceEnvironment(environment: variables, defaultHTTPPort: 0)
            let tag = "bench_ful_\(UUID().uuidString.prefix(6).lowercased())"
            let commands = "\(tag).commands", events = "\(tag).events"
            let admin = try await AMQPConnection.connect(environment.broker)
            try await Topology.declareExchanges(on: admin)
            // A status change nobody in this benchmark binds goes to `<tag>.unrouted`.
            try await BenchExchanges.declare([commands, events], prefix: tag, on: admin)
            await admin.close()
            var definitions: [String: ServiceDefinition] = [
                "orders": OrdersService.definition(
                    schema: "\(tag)_orders", queuePrefix: "\(tag).orders", ingestExchange: commands, eventsExchange: events,
                    commandsExchange: commands),
                "inventory": InventoryService.definition(schema: "\(tag)_inventory", queue: "\(tag).inventory.commands", commandsExchange: commands),
                "finance": FinanceService.definition(
                    schema: "\(tag)_finance", queuePrefix: "\(tag).finance", eventsExchange: events, commandsExchange: commands),
                "saga": SagaService.definition(
                    schema: "\(tag)_saga", queuePrefix: "\(tag).saga", replyKey: "\(tag).saga.replies", eventsExchange: events,
                    commandsExchange: commands),
            ]
            var hosts: [String: ServiceHost] = [:]
            for (name, var definition) in definitions {
                definition.eventsExchange = events
                definitions[name] = definition
                try await TestBrokerPolicies.apply(for: definition.queues)
                hosts[name] = try await ServiceHost.prepare(definition, environment: environment, logger: Logger(label: "bench.\(name)"))
            }
            let system = System(tag: tag, commands: commands, events: events, hosts: hosts, environment: environment)
            try await system.seed()
            return system
        }

        func schema(_ name: String) -> String { hosts[name]!.definition.schema }
        func pool(_ name: String) -> PostgresPool { hosts[name]!.pool }

        func seed() async throws {
            let store = StockStore(schema: schema("inventory"))
            try await pool("inventory").withTransaction { tx in
                try await store.addWarehouse(code: "SH", name: "Shanghai", region: "浙江省", in: tx)
                for sku in 0..<100 {
                    try await store.receive(
                        sku: "SKU-\(sku)", warehouse: "SH", lot: "L1", expiry: nil, unitCost: Money(minorUnits: 2_000, currency: .cny),
                        quantity: 1_000_000, reference: "bench", in: tx)
                }
            }
            try await pool("orders").query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(schema("orders")).skus (code, product, title, price_minor, currency, tax_category, active)
                        SELECT 'SKU-' || n, 'P', 'Product', 9900, 'CNY', 'standard', true FROM generate_series(0, 99) AS n
                        """))
        }

        func body(_ index: Int) throws -> Data {
            let order = CanonicalOrder(
                platform: "web", shop: "main", externalId: "F-\(index)", placedAt: "2026-11-28T10:15:00Z", currency: "CNY",
                customer: .init(name: "Customer", email: "c@example.com"),
                shippingAddress: .init(country: "CN", province: "浙江省", city: "杭州市", line1: "文三路 1 号"),
                lines: [.init(sku: "SKU-\(index % 100)", quantity: 1, unitPrice: "99.00")], shippingFee: "0.00",
                payment: .init(status: "paid", method: "alipay", amount: "99.00"))
            return try MessageCoding.encoder().encode(order)
        }

        /// Runs the services while `work` runs; then stops them and drops everything, also when
        /// the work or a service failed (a failed run left its schemas, queues and policies behind).
        func running<T: Sendable>(_ work: @Sendable @escaping () async throws -> T) async throws -> T {
            let result: Result<T, any Error>
            do { result = .success(try await runningServices(work)) } catch { result = .failure(error) }
            try await cleanUp()
            return try result.get()
        }

        private func runningServices<T: Sendable>(_ work: @Sendable @escaping () async throws -> T) async throws -> T {
            try await withThrowingTaskGroup(of: T?.self) { group in
                for host in hosts.values {
                    group.addTask {
                        try await host.run(); return nil
                    }
                }
                group.addTask { try await work() }
                while let next = try await group.next() {
                    if let value = next {
                        group.cancelAll()
                        return value
                    }
                }
                throw ValidationError("the services stopped")
            }
        }

        func cleanUp() async throws {
            let admin = try await AMQPConnection.connect(environment.broker)
            for host in hosts.values {
                for queue in host.definition.queues {
                    await Topology.delete(queue, on: admin)
                }
                for queue in host.definition.otherQueues { _ = try? await admin.deleteQueue(queue) }
                await TestBrokerPolicies.remove(for: host.definition.queues)
                for exchange in host.definition.otherExchanges { try? await admin.deleteExchange(exchange) }
            }
            await BenchExchanges.delete([commands, events], prefix: tag, on: admin)
            await admin.close()
            let pool = PostgresPool(configuration: environment.database, size: 1)
            for host in hosts.values {
                do {
                    _ = try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(host.definition.schema) CASCADE"))
                } catch {
                    FileHandle.standardError.write(Data("erp-bench: schema \(host.definition.schema) was left behind: \(error)\n".utf8))
                }
            }
            await pool.close()
        }

        /// A simulated warehouse confirms each allocated order's parcels and a simulated
        /// carrier delivers them, through the same messages real ones send (``ParcelSimulator``):
        /// it starts before `work` (which places the orders), and runs until `stop` says so.
        func warehouseAndCarrier(
            _ work: @Sendable () async throws -> Void, until stop: @Sendable @escaping () async throws -> Bool
        ) async throws {
            let simulator = try await ParcelSimulator.start(broker: environment.broker, events: events, ingest: commands, tag: tag, deliver: true)
            do {
                try await work()
                while try await !stop() { try await Task.sleep(for: .milliseconds(100)) }
                await simulator.stop()
            } catch {
                await simulator.stop()
                throw error
            }
        }

        func count(_ status: String) async throws -> Int {
            try await pool("orders").query(
                PostgresQuery(
                    unsafeSQL: "SELECT count(*)::int FROM \(schema("orders")).orders WHERE status = $1", binds: [status]))[0].decode(Int.self, at: 0)
        }

        /// Orders per second, and the machine's busy CPU time per order over the same interval.
        func measureThroughput(_ total: Int) async throws -> (rate: Double, cpuPerOrder: Double?) {
            let bodies = try (0..<total).map(body)
            return try await running {
                let start = Mutex((seconds: 0.0, busy: Double?.none))
                let committedBefore = try await committedTransactions()
                try await warehouseAndCarrier(
                    {
                        let publisher = try await AMQPPublisher.connect(environment.broker, window: 256)
                        start.withLock { $0 = (monotonicSeconds(), machineBusySeconds()) }
                        _ = await publisher.publish(
                            batch: bodies.map {
                                AMQPMessage(
                                    exchange: commands, routingKey: "platform.web.order.created", body: $0,
                                    properties: AMQPProperties(persistent: true))
                            })
                        await publisher.close()
                    }, until: { try await count("completed") >= total })
                let begun = start.withLock { $0 }
                let rate = Double(total) / (monotonicSeconds() - begun.seconds)
                let cpu = cpuMilliseconds(from: begun.busy, to: machineBusySeconds(), per: total)
                print(try await deliveriesPerOrder(total))
                let committed = try await committedTransactions() - committedBefore
                print(String(format: "swift fulfilment: %.1f PostgreSQL transactions committed per order", Double(committed) / Double(total)))
                return (rate, cpu)
            }
        }

        /// Transactions committed on the database so far (every service's consumers and relays,
        /// and this benchmark's own counting queries): against the deliveries, how many a batch holds.
        func committedTransactions() async throws -> Int {
            try await pool("orders").query(
                "SELECT xact_commit::bigint FROM pg_stat_database WHERE datname = current_database()")[0].decode(Int.self, at: 0)
        }

        /// What each service queue delivered per order, from the broker's statistics (read after
        /// their 5-second interval): where the messages of an order go.
        func deliveriesPerOrder(_ total: Int) async throws -> String {
            try await Task.sleep(for: .seconds(6))
            var counts: [(String, Double)] = []
            for host in hosts.values {
                for queue in host.definition.queues {
                    let details = try await TestBrokerPolicies.queueDetails(queue.name)
                    let delivered = ((details["message_stats"] as? [String: Any])?["deliver_get"] as? Int) ?? 0
                    if delivered > 0 { counts.append((String(queue.name.dropFirst(tag.count + 1)), Double(delivered) / Double(total))) }
                }
            }
            let listed = counts.sorted { $0.1 > $1.1 }.map { String(format: "%@ %.2f", $0.0, $0.1) }.joined(separator: ", ")
            return String(format: "swift fulfilment: messages delivered per order, %.2f in all: %@", counts.reduce(0) { $0 + $1.1 }, listed)
        }

        func measureLatency(_ total: Int, rate: Double) async throws -> (p50: Double, p99: Double, count: Int) {
            let bodies = try (0..<total).map(body)
            return try await running {
                let publisher = try await AMQPPublisher.connect(environment.broker, window: 256)
                var sentAt: [String: Date] = [:]
                let start = monotonicSeconds()
                for (index, body) in bodies.enumerated() {
                    let due = start + Double(index) / rate
                    let wait = due - monotonicSeconds()
                    if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                    sentAt["F-\(index)"] = Date()
                    _ = try await publisher.send(
                        AMQPMessage(
                            exchange: commands, routingKey: "platform.web.order.created", body: body, properties: AMQPProperties(persistent: true)))
                }
                await publisher.close()
                while try await pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT count(*)::int FROM \(schema("orders")).status_history WHERE to_status = 'allocated'
                            """))[0].decode(Int.self, at: 0) < total
                {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let rows = try await pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT o.external_id, h.at FROM \(schema("orders")).status_history h JOIN \(schema("orders")).orders o ON o.id = h.order_id
                            WHERE h.to_status = 'allocated'
                            """))
                let latencies = try rows.compactMap { row -> Double? in
                    guard let sent = sentAt[try row.decode(String.self, at: 0)] else { return nil }
                    return try row.decode(Date.self, at: 1).timeIntervalSince(sent)
                }.sorted()
                func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
                return (percentile(0.5), percentile(0.99), latencies.count)
            }
        }
    }
}
