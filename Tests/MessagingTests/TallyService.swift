import AMQP
import Contracts
import Foundation
import Messaging
import Postgres
import SampleService
import ServiceTestSupport
import TestSupport

/// The sample service as the messaging tests run it, in-process: it keeps tallies in its
/// own schema and announces every new total as an event. Each test gets its own schema,
/// queue and events exchange, so tests running side by side never see each other's messages.
struct TallyService {
    let schema: String
    let queue: ServiceQueue
    /// Where its events go (a per-test stand-in for erp.events).
    let eventsExchange: String
    let pool: PostgresPool

    /// Its queue's limits: the broker's policies, set through the management API as
    /// `erpctl topology declare` sets a deployment's (`policies`), or else queue arguments, as
    /// the harnesses declare them (``ServiceQueue/declaresLimits``).
    let policies: Bool

    init(name: String = TestServers.unique("tally"), retryDelays: [Int] = [50, 100], poolSize: Int = 4, policies: Bool = false) {
        schema = name
        var queue = ServiceQueue(name: "\(name).commands", bindings: [], deliveryLimit: 5, retryDelaysMilliseconds: retryDelays)
        queue.declaresLimits = !policies
        self.queue = queue
        self.policies = policies
        eventsExchange = "\(name).events"
        pool = PostgresPool(configuration: TestServers.database, size: poolSize)
    }

    /// Creates the schema, its tables and the broker topology.
    func setUp() async throws {
        try await MessagingSchema.migrate(schema: schema, pool: pool)
        try await PostgresMigrator(schema: schema, migrations: SampleService.migrations).migrate(pool)
        let connection = try await AMQPConnection.connect(TestServers.broker)
        try await Topology.declareExchanges(on: connection)
        try await connection.declareExchange(eventsExchange, type: .topic, durable: true)
        if policies { try await TestBrokerPolicies.apply(for: [queue]) }
        try await Topology.declare(queue, on: connection)
        await connection.close()
    }

    func tearDown() async {
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
        await pool.close()
        if policies { await TestBrokerPolicies.remove(for: [queue]) }
        if let connection = try? await AMQPConnection.connect(TestServers.broker) {
            for name in [queue.name, queue.parkingQueue] + (1...queue.retryDelaysMilliseconds.count).map(queue.retryQueue) {
                _ = try? await connection.deleteQueue(name)
            }
            try? await connection.deleteExchange(eventsExchange)
            await connection.close()
        }
    }

    /// The sample service's handlers, sending events to this test's exchange.
    func handlers() -> MessageHandlers {
        SampleService.definition(schema: schema, queue: queue.name, bindings: [], eventsExchange: eventsExchange).handlers
    }

    func consumer(batchSize: Int = 1) -> MessageConsumer {
        MessageConsumer(
            service: "tally", queue: queue, schema: schema, pool: pool, brokerConfiguration: TestServers.broker,
            handlers: handlers(), configuration: .init(batchSize: batchSize, prefetch: 200, eventsExchange: eventsExchange))
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
        for row in try await pool.query(PostgresQuery(unsafeSQL: "SELECT key, total FROM \(schema).tallies")) {
            result[try row.decode(String.self, column: "key")] = try row.decode(Int.self, column: "total")
        }
        return result
    }

    func count(_ table: String, where condition: String = "true") async throws -> Int {
        try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schema).\(table) WHERE \(condition)"))[0].decode(Int.self, at: 0)
    }
}
