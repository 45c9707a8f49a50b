import AMQP
import ArgumentParser
import CRM
import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import ServiceLifecycle
import ServiceTestSupport

/// The CRM under load. First, orders' events into profiles and timelines through the real
/// broker: for each order `orders.order.placed.v1` (its customer one of a pool of people,
/// found by email, phone or platform id written differently each time), then paid and
/// shipped; timed from the first publish until every order is shipped on its profile.
/// Then the nightly RFM refresh of 100,000 customers with 1,000,000 orders.
/// Last, `erpctl crm show`'s query on a customer with 1,000 timeline entries among
/// 100,000 customers: p50 and p99 of repeated reads.
struct CRMBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm", abstract: "Order events into customer profiles (events/s); a profile's read with 100,000 customers (p99).")

    @Option(help: "Database URL.") var databaseURL = environment("ERP_DATABASE_URL", default: "postgres://erp:erp@127.0.0.1:54329/erp")
    @Option(help: "Broker URL.") var amqpURL = environment("ERP_AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5679/%2f")
    @Option(help: "Orders (three events each).") var orders = 5_000
    @Option(help: "People the orders are from.") var people = 2_000
    @Option(help: "Consumer batch sizes to compare, comma-separated.") var batchSizes = "1,200"
    @Option(help: "Customers in the database for the read.") var customers = 100_000
    @Option(help: "Reads of the profile.") var reads = 500
    @Option(help: "Customers for the RFM refresh (0: skip it).") var rfmCustomers = 100_000
    @Option(help: "Orders for the RFM refresh.") var rfmOrders = 1_000_000
    @Option(help: "Emails sent to the local SMTP server (Tests/CRMTests/mail_sinks.py; 0: skip).") var sends = 2_000

    var sizes: [Int] { batchSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    mutating func validate() throws {
        guard orders > 0, people > 0, customers > 0, reads > 0 else { throw ValidationError("counts must be positive") }
        guard !sizes.isEmpty, sizes.allSatisfy({ (1...1000).contains($0) }) else { throw ValidationError("batch sizes are 1 to 1000") }
    }

    func run() async throws {
        bootstrapQuietLogging()
        for (index, size) in sizes.enumerated() {
            // Each run starts on a quiet server: the last one's dropped schema and writes are
            // still being vacuumed and checkpointed, on the same two cores.
            if index > 0 { try await settle() }
            let (rate, profiles) = try await events(batchSize: size)
            print(
                String(
                    format:
                        "swift crm: %d orders x 3 events (placed, paid, shipped) from %d people, consumer batch %d: %.0f events/s into %d profiles",
                    orders, people, size, rate, profiles))
        }
        for size in sizes {
            try await settle()
            let (rate, made) = try await events(batchSize: size, queue: ".notify")
            print(
                String(
                    format:
                        "swift crm notifications: the same %d events through crm.notify and the shipped rules, consumer batch %d: %.0f events/s, %d notifications made (not sent)",
                    orders * 3, size, rate, made))
        }
        if sends > 0 {
            try await settle()
            let rate = try await sending()
            print(
                String(
                    format:
                        "swift crm notifications sent: %d emails to %d customers over SMTP to the local aiosmtpd server (loopback): %.0f emails/s",
                    sends, sends, rate))
        }
        if rfmCustomers > 0 {
            let (first, again) = try await segmentRefresh()
            print(
                String(
                    format: "swift crm segments: RFM refresh of %d customers with %d orders: %.2f s the first time (everyone new), %.2f s again",
                    rfmCustomers, rfmOrders, first, again))
        }
        let (p50, p99, entries) = try await reading()
        print(
            String(
                format:
                    "swift crm show: a customer with %d timeline entries among %d customers, %d reads of the profile and 50 entries: p50 %.1f ms, p99 %.1f ms",
                entries, customers, reads, p50, p99))
    }

    /// Waits (at most 60 s) until no autovacuum worker runs and the server's WAL writing has
    /// paused for a second.
    private func settle() async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 1)
        defer { Task { await pool.close() } }
        let began = monotonicSeconds()
        var quietSince: Double?
        var lastWAL = ""
        while monotonicSeconds() - began < 60 {
            let row = try await pool.query(
                "SELECT count(*) FILTER (WHERE backend_type = 'autovacuum worker')::int, pg_current_wal_insert_lsn()::text FROM pg_stat_activity")[0]
            let (vacuums, wal) = (try row.decode(Int.self, at: 0), try row.decode(String.self, at: 1))
            if vacuums == 0 && wal == lastWAL {
                if let since = quietSince, monotonicSeconds() - since >= 1 { return }
                quietSince = quietSince ?? monotonicSeconds()
            } else {
                quietSince = nil
            }
            lastWAL = wal
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// How person `n` is written on order `index`: the same keys, spelled differently.
    static func customer(_ person: Int, order index: Int) -> CanonicalOrder.Customer {
        let phone = String(format: "139%08d", person)
        switch index % 3 {
        case 0: return .init(externalId: "P-\(person)", name: "Person \(person)", email: "person\(person)@example.com")
        case 1: return .init(name: "Person \(person)", email: "  PERSON\(person)@Example.com", phone: "+86 \(phone)")
        default: return .init(name: "Person \(person)", phone: phone)
        }
    }

    /// The events through one of the CRM's queues: `.events` (profiles; done when every order
    /// is shipped on its profile; returns the profiles) or `.notify` (notifications; done when
    /// the placed and paid events made theirs; returns how many).
    private func events(batchSize: Int, queue suffix: String = ".events") async throws -> (Double, Int) {
        var database = try PostgresConfiguration(url: databaseURL)
        let broker = try AMQPConfiguration(url: amqpURL)
        let name = "bench_crm_\(UUID().uuidString.prefix(8).lowercased())"
        let exchange = "\(name).exchange"
        let definition = CRMService.definition(
            schema: name, queuePrefix: name, commandsExchange: exchange, eventsExchange: exchange, ingestExchange: exchange)
        if definition.genericPlans { database.planCacheMode = .forceGenericPlan }  // as ServiceHost sets it
        let pool = PostgresPool(configuration: database, size: 4)
        try await MessagingSchema.migrate(schema: name, pool: pool)
        try await PostgresMigrator(schema: name, migrations: definition.migrations).migrate(pool)
        let admin = try await AMQPConnection.connect(broker)
        try await Topology.declareExchanges(on: admin)
        try await admin.declareExchange(exchange, type: .topic, durable: false)
        let eventsOut = "\(name).events.out"
        try await admin.declareExchange(eventsOut, type: .topic, durable: false)
        try await TestBrokerPolicies.apply(for: definition.queues)
        for queue in definition.queues { try await Topology.declare(queue, on: admin) }
        let eventsQueue = definition.queues.first { $0.name.hasSuffix(suffix) }!
        // As a service host wires them: the consumer hands what it committed to the relay.
        let handOff = OutboxHandOff()
        let consumer = MessageConsumer(
            service: "crm", queue: eventsQueue, schema: name, pool: pool, brokerConfiguration: broker, handlers: definition.handlers,
            configuration: .init(batchSize: batchSize, prefetch: UInt16(max(200, batchSize * 2)), eventsExchange: eventsOut), handOff: handOff)
        let relay = OutboxRelay(schema: name, pool: pool, brokerConfiguration: broker, configuration: OutboxRelay.Configuration(), handOff: handOff)
        let group = ServiceGroup(services: [relay, consumer], logger: Logger(label: "bench"))

        var random = SplitMix(seed: 11)
        var messages: [AMQPMessage] = []
        messages.reserveCapacity(orders * 3)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        func message<M: Message>(_ event: M, at: Date) throws -> AMQPMessage {
            let envelope = try Envelope(event, source: "bench", occurredAt: at)
            // Under the key its service uses (a status change: orders.order.status_changed.v1.<from>.<to>).
            let key = (event as? OrderEvent.StatusChanged)?.routingKey ?? M.type.rawValue
            return AMQPMessage(exchange: exchange, routingKey: key, body: envelope.payload, properties: envelope.amqpProperties)
        }
        for index in 0..<orders {
            let person = Int(random.next() % UInt64(people))
            let total = Money(minorUnits: Int64(random.next() % 50_000 + 1_000), currency: .cny)
            let id = Int64(index + 1)
            let placedAt = start.addingTimeInterval(Double(index))
            let snapshot = OrderSnapshot(
                order: id, platform: ["web", "tmall", "jd"][index % 3], shop: "main", externalId: "B-\(index)", revision: 1, status: .pendingPayment,
                currency: "CNY", pricesIncludeTax: true,
                lines: [.init(line: 1, sku: "SKU-\(index % 1_000)", quantity: 1, unitPrice: total, discount: .zero(.cny), total: total)],
                shippingFee: .zero(.cny), total: total, paymentStatus: .pending, customer: Self.customer(person, order: index),
                shippingAddress: .init(name: "Person \(person)", country: "CN", province: "浙江省", city: "杭州市", line1: "文三路 \(person) 号"),
                shippingMethod: nil, placedAt: placedAt)
            messages.append(try message(OrderEvent.Placed(snapshot: snapshot), at: placedAt))
            messages.append(
                try message(
                    OrderEvent.StatusChanged(order: id, from: .pendingPayment, to: .paid, reason: "paid", actor: "bench", total: total),
                    at: placedAt + 60))
            messages.append(
                try message(
                    OrderEvent.StatusChanged(order: id, from: .allocated, to: .shipped, reason: "parcel", actor: "bench", total: total),
                    at: placedAt + 120))
        }
        let publisher = try await AMQPPublisher.connect(broker, window: 256)
        let running = Task { try await group.run() }
        let began = monotonicSeconds()
        let results = await publisher.publish(batch: messages)
        guard results.allSatisfy({ (try? $0.get()) == .confirmed }) else { throw ValidationError("some events were not confirmed") }
        var done = 0
        // Polled every 50 ms (a count, kept from competing with the consumer for the two cores).
        let (target, count): (Int, String) =
            suffix == ".notify"
            ? (orders * 2, "SELECT count(*)::int FROM \(name).notifications")
            : (orders, "SELECT count(*)::int FROM \(name).customer_orders WHERE status = 'shipped'")
        while done < target {
            try await Task.sleep(for: .milliseconds(50))
            done = try await pool.query(PostgresQuery(unsafeSQL: count))[0].decode(Int.self, at: 0)
        }
        let elapsed = monotonicSeconds() - began
        let profiles =
            suffix == ".notify"
            ? done
            : try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(name).customers WHERE merged_into IS NULL"))[0].decode(
                Int.self, at: 0)
        await group.triggerGracefulShutdown()
        try await running.value
        await publisher.close()
        for queue in definition.queues { await Topology.delete(queue, on: admin) }
        await TestBrokerPolicies.remove(for: definition.queues)
        try? await admin.deleteExchange(exchange)
        try? await admin.deleteExchange(eventsOut)
        await admin.close()
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await pool.close()
        return (Double(orders * 3) / elapsed, profiles)
    }

    /// `sends` notifications (one per customer, the shipped order_received rule) sent by the
    /// dispatcher over SMTP to the aiosmtpd server of the tests, on loopback: the channel's rate.
    private func sending() async throws -> Double {
        let name = "bench_crmsend_\(UUID().uuidString.prefix(8).lowercased())"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        let sink = Process()
        sink.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        sink.arguments = [
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("CRMTests/mail_sinks.py")
                .path,
            directory,
        ]
        let output = Pipe()
        let input = Pipe()
        (sink.standardOutput, sink.standardInput, sink.standardError) = (output, input, FileHandle.nullDevice)
        try sink.run()
        defer {
            sink.terminate()
            try? FileManager.default.removeItem(atPath: directory)
        }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw ValidationError("mail_sinks.py did not start (is python3-aiosmtpd installed?)") }
            line.append(chunk)
        }
        let words = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count >= 2, let port = Int(words[1]) else { throw ValidationError("mail_sinks.py said \(String(decoding: line, as: UTF8.self))") }
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 8)
        try await PostgresMigrator(schema: name, migrations: CRMMigrations.all).migrate(pool)
        let payload = String(decoding: try JSONEncoder().encode(NotificationEvents.sample("orders.order.placed.v1")), as: UTF8.self)
        try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH people AS (INSERT INTO \(name).customers (id) SELECT n FROM generate_series(1, \(sends)) AS n RETURNING id),
                    keys AS (INSERT INTO \(name).customer_keys (kind, value, customer, source) SELECT 'email', 'c' || id || '@bench.example', id, 'bench' FROM people)
                    INSERT INTO \(name).notifications (rule_id, event_id, event_type, occurred_at, payload, customer, next_attempt_at)
                    SELECT (SELECT id FROM \(name).notification_rules WHERE name = 'order_received'), gen_random_uuid(), 'orders.order.placed.v1', now(),
                           $1::jsonb, id, now() + interval '1 hour'
                    FROM people
                    """, binds: [payload]))
        var settings = NotificationSettings()
        settings.smtp = try SMTPConfiguration(url: "smtp://erp:secret@127.0.0.1:\(port)", from: "shop@example.com", replyTo: nil)
        settings.idle = .milliseconds(20)
        let dispatcher = NotificationDispatcher(schema: name, settings: settings, pool: pool, logger: Logger(label: "bench"))
        let group = ServiceGroup(services: [dispatcher], logger: Logger(label: "bench"))
        let running = Task { try await group.run() }
        try await pool.query(PostgresQuery(unsafeSQL: "UPDATE \(name).notifications SET next_attempt_at = now()"))
        let began = monotonicSeconds()
        var sent = 0
        while sent < sends {
            try await Task.sleep(for: .milliseconds(50))
            let row = try await pool.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT count(*) FILTER (WHERE status = 'sent')::int, count(*) FILTER (WHERE status = 'failed')::int FROM \(name).notifications"
                ))[0]
            sent = try row.decode(Int.self, at: 0)
            guard try row.decode(Int.self, at: 1) == 0 else { throw ValidationError("some emails failed") }
        }
        let elapsed = monotonicSeconds() - began
        await group.triggerGracefulShutdown()
        try await running.value
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await pool.close()
        return Double(sends) / elapsed
    }

    /// `customers` profiles with an order each, one of them with 1,000 timeline entries,
    /// written with SQL; then the profile read `reads` times.
    /// `rfmCustomers` customers with `rfmOrders` orders over two years (random customer, date
    /// and total), then the RFM refresh timed twice: once with every customer new to a
    /// segment, once more as the nightly run finds it.
    private func segmentRefresh() async throws -> (first: Double, again: Double) {
        let name = "bench_crmseg_\(UUID().uuidString.prefix(8).lowercased())"
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 1)
        try await PostgresMigrator(schema: name, migrations: CRMMigrations.all).migrate(pool)
        try await pool.withConnection { connection in
            try await connection.executeScript(
                """
                SELECT setseed(0.42);
                INSERT INTO \(name).customers (id) SELECT n FROM generate_series(1, \(rfmCustomers)) AS n;
                INSERT INTO \(name).customer_orders (order_id, customer, platform, shop, external_id, currency, total_minor, status, placed_at)
                SELECT n, 1 + floor(random() * \(rfmCustomers))::bigint, 'web', 'main', 'R-' || n, 'CNY', 1000 + floor(random() * 50000)::bigint,
                       'completed', now() - random() * interval '730 days'
                FROM generate_series(1, \(rfmOrders)) AS n;
                ANALYZE \(name).customers; ANALYZE \(name).customer_orders;
                """)
        }
        let store = SegmentStore(schema: name)
        func timed() async throws -> Double {
            let began = monotonicSeconds()
            _ = try await pool.withTransaction { try await store.refresh(now: Date(), currency: .cny, in: $0) }
            return monotonicSeconds() - began
        }
        let first = try await timed()
        let again = try await timed()
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await pool.close()
        return (first, again)
    }

    private func reading() async throws -> (p50: Double, p99: Double, entries: Int) {
        let database = try PostgresConfiguration(url: databaseURL)
        let name = "bench_crmr_\(UUID().uuidString.prefix(8).lowercased())"
        let pool = PostgresPool(configuration: database, size: 2)
        try await PostgresMigrator(schema: name, migrations: CRMMigrations.all).migrate(pool)
        try await pool.withConnection { connection in
            try await connection.executeScript(
                """
                INSERT INTO \(name).customers (id, display_name) SELECT n, 'Person ' || n FROM generate_series(1, \(customers)) AS n;
                SELECT setval(pg_get_serial_sequence('\(name).customers', 'id'), \(customers));
                INSERT INTO \(name).customer_keys (kind, value, customer, source)
                SELECT 'email', 'person' || n || '@example.com', n, 'bench' FROM generate_series(1, \(customers)) AS n;
                INSERT INTO \(name).customer_names (customer, name, last_seen) SELECT n, 'Person ' || n, now() FROM generate_series(1, \(customers)) AS n;
                INSERT INTO \(name).customer_orders (order_id, customer, platform, shop, external_id, currency, total_minor, status, placed_at)
                SELECT n, n, 'web', 'main', 'B-' || n, 'CNY', 10000 + n, 'shipped', now() - n * interval '1 minute' FROM generate_series(1, \(customers)) AS n;
                INSERT INTO \(name).customer_orders (order_id, customer, platform, shop, external_id, currency, total_minor, status, placed_at)
                SELECT \(customers) + n, 42, 'web', 'main', 'C-' || n, 'CNY', 5000, 'delivered', now() - n * interval '1 hour' FROM generate_series(1, 332) AS n;
                INSERT INTO \(name).timeline (customer, at, kind, summary, order_id)
                SELECT n, now() - n * interval '1 minute', 'order_placed', 'order ' || n || ' placed', n FROM generate_series(1, \(customers)) AS n;
                INSERT INTO \(name).timeline (customer, at, kind, summary, order_id)
                SELECT 42, now() - n * interval '1 hour' + k * interval '1 minute', (ARRAY['order_placed', 'order_paid', 'order_shipped'])[k + 1],
                       'event ' || k || ' of order ' || (\(customers) + n), \(customers) + n
                FROM generate_series(1, 333) AS n, generate_series(0, 2) AS k;
                ANALYZE \(name).customers; ANALYZE \(name).customer_orders; ANALYZE \(name).timeline; ANALYZE \(name).customer_keys;
                """)
        }
        let entries = try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(name).timeline WHERE customer = 42"))[0].decode(
            Int.self, at: 0)
        let queries = CRMQueries(schema: name)
        var times: [Double] = []
        for _ in 0..<reads {
            let began = monotonicSeconds()
            guard let profile = try await queries.profile(42, limit: 50, pool), profile.timeline.count == 50 else {
                throw ValidationError("the profile was not read whole")
            }
            times.append((monotonicSeconds() - began) * 1000)
        }
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await pool.close()
        times.sort()
        return (times[times.count / 2], times[min(times.count - 1, Int(Double(times.count) * 0.99))], entries)
    }
}
