import AMQP
import Foundation
import Logging
import Messaging
import Postgres
import ServiceKit
import TestSupport

/// Runs a real service in-process against the test servers, on its own schema and its
/// own commands exchange (so parallel tests never see each other's commands), with a
/// ``CommandClient`` that sends to that exchange and waits for outcomes.
public struct ServiceHarness: Sendable {
    public let schema: String
    public let exchange: String
    public let host: ServiceHost
    public let client: CommandClient
    public var pool: PostgresPool { host.pool }

    public static var environment: ServiceEnvironment {
        var variables = ProcessInfo.processInfo.environment
        variables["ERP_DATABASE_URL"] = TestEnvironment.databaseURL
        variables["ERP_AMQP_URL"] = TestEnvironment.brokerURL
        variables["ERP_HTTP_PORT"] = "0"
        return try! ServiceEnvironment(environment: variables, defaultHTTPPort: 0)
    }

    /// Declares the exchange, prepares the service that `makeDefinition(schema, queue,
    /// exchange)` describes, runs it (`instances` times: competing consumers on the same
    /// queue and schema) while `body` runs, then shuts it down and drops its schema and queues.
    public static func run<T>(
        prefix: String, instances: Int = 1,
        _ makeDefinition: @Sendable (_ schema: String, _ queue: String, _ exchange: String) -> ServiceDefinition,
        _ body: (ServiceHarness) async throws -> T
    ) async throws -> T {
        let schema = TestEnvironment.uniqueName(prefix)
        let exchange = "\(schema).commands.exchange"
        var definition = makeDefinition(schema, "\(schema).commands", exchange).declaringLimits()
        // The service's own events stay in the test, on an exchange of their own (never
        // erp.events, and not the exchange its queues are bound to, or it would read them back).
        let eventsOut = "\(schema).events.out"
        definition.eventsExchange = eventsOut
        let broker = environment.broker
        let setup = try await AMQPConnection.connect(broker)
        let unrouted = "\(schema).unrouted"
        let alternate = try await HostRunner.declareUnrouted(unrouted, on: setup)
        try await setup.declareExchange(exchange, type: .topic, durable: false, autoDelete: false, arguments: alternate)
        try await setup.declareExchange(eventsOut, type: .topic, durable: false, autoDelete: false, arguments: alternate)
        var hosts: [ServiceHost] = []
        for _ in 0..<instances {
            hosts.append(try await ServiceHost.prepare(definition, environment: environment, logger: Logger(label: "test.\(prefix)")))
        }
        try await logOutbox(schema: schema, pool: hosts[0].pool)
        let client = try await CommandClient.connect(broker, source: "tests", exchange: exchange)
        let harness = ServiceHarness(schema: schema, exchange: exchange, host: hosts[0], client: client)
        let result: Result<T, Error>
        do { result = .success(try await HostRunner.run(hosts) { try await body(harness) }) } catch { result = .failure(error) }
        await client.close()
        await HostRunner.tearDown([definition], exchanges: [exchange, eventsOut, unrouted], setup: setup, environment: environment)
        return try result.get()
    }

    /// The types of the messages the service has put in its outbox, oldest first (also
    /// those the relay has published and deleted since).
    public func outboxTypes() async throws -> [String] {
        try await pool.query(PostgresQuery(unsafeSQL: "SELECT message_type FROM \(schema).outbox_log ORDER BY seq")).map {
            try $0.decode(String.self, at: 0)
        }
    }

    /// The relay deletes what it published: a trigger of the test's own keeps the type of
    /// every row written to the outbox, for ``outboxTypes()``.
    static func logOutbox(schema: String, pool: PostgresPool) async throws {
        _ = try await pool.withConnection { connection in
            try await connection.executeScript(
                """
                CREATE TABLE \(schema).outbox_log (seq bigint PRIMARY KEY, message_type text NOT NULL);
                CREATE FUNCTION \(schema).log_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO \(schema).outbox_log VALUES (NEW.seq, NEW.message_type);
                    RETURN NULL;
                END $$;
                CREATE TRIGGER log_outbox AFTER INSERT ON \(schema).outbox FOR EACH ROW EXECUTE FUNCTION \(schema).log_outbox();
                """)
        }
    }
}

import Testing

extension ServiceHarness {
    /// The harness of the running test (set by the ``ServiceUnderTest`` trait).
    @TaskLocal public static var current: ServiceHarness?

    /// The running test's harness; fails the test if it has none.
    public static func required(sourceLocation: SourceLocation = #_sourceLocation) throws -> ServiceHarness {
        try #require(current, "the test needs the .service(...) trait", sourceLocation: sourceLocation)
    }
}

/// Runs a real service around a test: `@Test(.service("t_inv") { schema, queue, exchange in ... })`.
/// The test body reads ``ServiceHarness/required()``. The body stays a plain function:
/// with Swift 6.3.1, `#expect` inside a closure passed to a helper was miscompiled (its
/// closures could run another closure's code), so test bodies are never such closures.
public struct ServiceUnderTest: TestTrait, TestScoping {
    let prefix: String
    let instances: Int
    let makeDefinition: @Sendable (_ schema: String, _ queue: String, _ exchange: String) -> ServiceDefinition

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await ServiceHarness.run(prefix: prefix, instances: instances, makeDefinition) { harness in
            try await ServiceHarness.$current.withValue(harness) { try await function() }
        }
    }
}

extension Trait where Self == ServiceUnderTest {
    public static func service(
        _ prefix: String, instances: Int = 1,
        _ makeDefinition: @escaping @Sendable (_ schema: String, _ queue: String, _ exchange: String) -> ServiceDefinition
    ) -> ServiceUnderTest {
        ServiceUnderTest(prefix: prefix, instances: instances, makeDefinition: makeDefinition)
    }
}
