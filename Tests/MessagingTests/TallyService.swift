import AMQP
import Contracts
import Foundation
import Messaging
import Postgres

/// The sample service the messaging tests run: it keeps tallies in its own schema and
/// announces every new total as an event. Each test gets its own schema, queue and
/// events exchange, so tests running side by side never see each other's messages.
struct TallyService {
    let schema: String
    let queue: ServiceQueue
    /// Where its events go (a per-test stand-in for erp.events).
    let eventsExchange: String
    let pool: PostgresPool

    init(name: String = TestServers.unique("tally"), retryDelays: [Int] = [50, 100], poolSize: Int = 4) {
        schema = name
        queue = ServiceQueue(name: "\(name).commands", bindings: [], deliveryLimit: 5, retryDelaysMilliseconds: retryDelays)
        eventsExchange = "\(name).events"
        pool = PostgresPool(configuration: TestServers.database, size: poolSize)
    }

    static let migrations = [
        PostgresMigration(version: 1, name: "tallies", sql: """
            CREATE TABLE tallies (key text PRIMARY KEY, total bigint NOT NULL, updates int NOT NULL);
            """),
    ]

    /// Creates the schema, its tables and the broker topology.
    func setUp() async throws {
        try await MessagingSchema.migrate(schema: schema, pool: pool)
        try await PostgresMigrator(schema: schema, migrations: Self.migrations).migrate(pool)
        let connection = try await AMQPConnection.connect(TestServers.broker)
        try await Topology.declareExchanges(on: connection)
        try await connection.declareExchange(eventsExchange, type: .topic, durable: true)
        try await Topology.declare(queue, on: connection)
        await connection.close()
    }

    func tearDown() async {
        _ = try? await pool.query(PostgresQuery(sql: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
        await pool.close()
        if let connection = try? await AMQPConnection.connect(TestServers.broker) {
            for name in [queue.name, queue.parkingQueue] + (1...queue.retryDelaysMilliseconds.count).map(queue.retryQueue) {
                _ = try? await connection.deleteQueue(name)
            }
            try? await connection.deleteExchange(eventsExchange)
            await connection.close()
        }
    }

    /// The handlers: `Tally.Add` adds to a tally and publishes `Tally.Added`. Amounts
    /// below zero are refused (validation); a key starting with "fail" always fails
    /// with a transient error.
    func handlers() -> MessageHandlers {
        var handlers = MessageHandlers()
        let schema = self.schema
        let eventsExchange = self.eventsExchange
        handlers.on(Tally.Add.self) { command, context in
            guard command.amount >= 0 else { throw PermanentMessageError("validation", "amount \(command.amount) is negative") }
            if command.key.hasPrefix("fail") { throw FlakyDependency() }
            let total = try await context.transaction.query("""
                INSERT INTO \(unescaped: schema).tallies AS t (key, total, updates) VALUES (\(command.key), \(command.amount), 1)
                ON CONFLICT (key) DO UPDATE SET total = t.total + EXCLUDED.total, updates = t.updates + 1
                RETURNING total
                """)[0].decode(Int.self, at: 0)
            let event = try context.envelope.reply(Tally.Added(key: command.key, amount: command.amount, total: total), source: "erp-tally")
            context.enqueue(event, exchange: eventsExchange, routingKey: Tally.Added.type.rawValue)
        }
        return handlers
    }

    func consumer(batchSize: Int = 1) -> MessageConsumer {
        MessageConsumer(
            service: "tally", queue: queue, schema: schema, pool: pool, brokerConfiguration: TestServers.broker,
            handlers: handlers(), configuration: .init(batchSize: batchSize, prefetch: 200))
    }

    func relay() -> OutboxRelay {
        var configuration = OutboxRelay.Configuration()
        configuration.pollInterval = .milliseconds(200)
        return OutboxRelay(schema: schema, pool: pool, brokerConfiguration: TestServers.broker, configuration: configuration)
    }

    /// A command delivered straight to this service's queue.
    func command(_ add: Tally.Add, id: UUID = UUID()) throws -> AMQPMessage {
        let envelope = try Envelope(add, source: "tests", correlationID: "c-\(add.key)", id: id)
        return AMQPMessage(exchange: "", routingKey: queue.name, body: envelope.payload, properties: envelope.amqpProperties)
    }

    func totals() async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try await pool.query(PostgresQuery(sql: "SELECT key, total FROM \(schema).tallies")) {
            result[try row.decode(String.self, column: "key")] = try row.decode(Int.self, column: "total")
        }
        return result
    }

    func count(_ table: String, where condition: String = "true") async throws -> Int {
        try await pool.query(PostgresQuery(sql: "SELECT count(*) FROM \(schema).\(table) WHERE \(condition)"))[0].decode(Int.self, at: 0)
    }
}

struct FlakyDependency: Error, CustomStringConvertible {
    var description: String { "the dependency is down (on purpose)" }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
    return try await condition()
}
