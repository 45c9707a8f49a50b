import AMQP
import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import Prometheus
import SampleService
import ServiceKit
import ServiceLifecycleTestKit
import TestSupport
import Testing
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite(.timeLimit(.minutes(6))) struct ServiceHostTests {
    static var environment: ServiceEnvironment {
        var variables = ProcessInfo.processInfo.environment
        variables["ERP_DATABASE_URL"] = TestEnvironment.databaseURL
        variables["ERP_AMQP_URL"] = TestEnvironment.brokerURL
        variables["ERP_HTTP_PORT"] = "0"
        return try! ServiceEnvironment(environment: variables, defaultHTTPPort: 0)
    }

    /// A binding for the tally command where no other test publishes it (the tests send to
    /// the queue itself): a host refuses a handler that no binding brings messages to.
    static let ownBinding = [QueueBinding(exchange: "amq.direct", routingKey: Tally.Add.type.rawValue)]

    @Test func aServiceServesHealthAndMetricsHandlesMessagesAndShutsDownGracefully() async throws {
        let name = "t_host_\(UUID().uuidString.prefix(8).lowercased())"
        let definition = SampleService.definition(schema: name, queue: "\(name).commands", bindings: Self.ownBinding, eventsExchange: "amq.topic")
        let port = PortBox()
        let host = try await ServiceHost.prepare(
            definition, environment: Self.environment, logger: Logger(label: "test"), onHTTPRunning: { port.set($0) })
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await host.run() }
                let http = try await port.wait()
                #expect(try await Self.get(http, "/health/live").status == 200)
                // Ready once the broker probe has connected (503 "not connected to the broker yet" until then).
                let becameReady = try await eventually { try await Self.get(http, "/health/ready").status == 200 }
                #expect(becameReady, "ready once the broker probe has connected")

                let publisher = try await AMQPPublisher.connect(Self.environment.broker)
                let envelope = try Envelope(Tally.Add(key: "k", amount: 5), source: "tests")
                _ = try await publisher.publish(
                    AMQPMessage(
                        exchange: "", routingKey: "\(name).commands", body: envelope.payload, properties: envelope.amqpProperties))
                await publisher.close()
                let added = try await eventually {
                    try await host.pool.query(PostgresQuery(unsafeSQL: "SELECT total FROM \(name).tallies WHERE key = 'k'")).first?.decode(
                        Int.self, at: 0) == 5
                }
                #expect(added, "the tally took the command")
                let metrics = try await Self.get(http, "/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.body.contains("erp_service_up{service=\"sample\"} 1"))
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        let cleanup = PostgresPool(configuration: Self.environment.database, size: 1)
        try await cleanup.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await cleanup.close()
        let broker = try await AMQPConnection.connect(Self.environment.broker)
        let queues = ["\(name).commands", "\(name).commands.parked"] + (1...3).map({ "\(name).commands.retry.\($0)" })
        for queue in queues {
            try await broker.deleteQueue(queue)
        }
        await broker.close()
    }

    @Test func readinessIsRefusedWithTheReasonsWhenAChecksFails() async throws {
        let port = PortBox()
        let server = HealthServer.make(
            host: "127.0.0.1", port: 0,
            checks: [
                ReadinessCheck(name: "database") { "connection refused" },
                ReadinessCheck(name: "broker") { nil },
            ],
            registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"), onRunning: { port.set($0) })
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                let http = try await port.wait()
                let ready = try await Self.get(http, "/health/ready")
                #expect(ready.status == 503)
                #expect(ready.body.contains("\"database\":\"connection refused\""))
                #expect(!ready.body.contains("broker"))
                #expect(try await Self.get(http, "/health/live").status == 200)
                #expect(try await Self.get(http, "/nowhere").status == 404)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    @Test func aServiceRefusesToStartWhenAnAppliedMigrationChanged() async throws {
        let name = "t_edit_\(UUID().uuidString.prefix(8).lowercased())"
        var definition = SampleService.definition(schema: name, queue: "\(name).commands", bindings: Self.ownBinding)
        let pool = PostgresPool(configuration: Self.environment.database, size: 1)
        try await PostgresMigrator(schema: name, migrations: definition.migrations).migrate(pool)
        definition.migrations = [PostgresMigration(version: 1, name: "tallies", sql: "CREATE TABLE tallies (key text);")]
        // do/catch rather than #expect(throws:) { }: with Swift 6.3.1 that closure was miscompiled here
        // (it read another closure's context and crashed).
        let edited = definition
        do {
            _ = try await ServiceHost.prepare(edited, environment: Self.environment, logger: Logger(label: "test"))
            Issue.record("the service started although an applied migration was edited")
        } catch is PostgresMigrationError {
        } catch {
            Issue.record("expected a PostgresMigrationError, got \(error)")
        }
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"))
        await pool.close()
    }

    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }
}

/// The port the HTTP server bound (port 0 asks the kernel for a free one).
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?
    func set(_ value: Int) { lock.withLock { port = value } }
    struct NotRunning: Error, CustomStringConvertible {
        var description: String { "the HTTP server did not say it runs within 60 s" }
    }

    /// Up to a minute: when every suite starts at once on two cores, binding took over 5 s (CI).
    func wait() async throws -> Int {
        guard try await eventually(within: 60, { lock.withLock { port } != nil }), let port = lock.withLock({ port }) else {
            throw NotRunning()
        }
        return port
    }
}
