import AMQP
import Contracts
import Foundation
import Messaging
import Postgres
import SampleService
import ServiceTestSupport
import TestSupport

/// The sample service executable (`erp-sample`) run as a separate process, so that tests
/// can kill it with SIGKILL as a crash or power cut would.
final class SampleProcess: @unchecked Sendable {
    let name: String
    let queue: String
    let eventsExchange: String
    /// Touch this file to make the failpoint fire (once) in the running process.
    let failpointFile: String
    private let failpoint: String?
    private var process: ChildProcess?
    private(set) var crashes = 0

    init(failpoint: String? = nil) {
        name = TestServers.unique("proc")
        queue = "\(name).commands"
        eventsExchange = "\(name).events"
        failpointFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).failpoint").path
        self.failpoint = failpoint
    }

    static var binary: String {
        ProcessInfo.processInfo.environment["ERP_SAMPLE_BINARY"] ?? TestEnvironment.executable("erp-sample")
    }

    /// Creates the schema, queues and events exchange the process will use.
    func prepare(pool: PostgresPool) async throws {
        let definition = SampleService.definition(schema: name, queue: queue, bindings: [], eventsExchange: eventsExchange)
        try await MessagingSchema.migrate(schema: name, pool: pool)
        try await PostgresMigrator(schema: name, migrations: definition.migrations).migrate(pool)
        let connection = try await AMQPConnection.connect(TestServers.broker)
        try await Topology.declareExchanges(on: connection)
        try await TestBrokerPolicies.apply(for: definition.queues)
        try await Topology.declare(definition.queues[0], on: connection)
        try await connection.declareExchange(eventsExchange, type: .topic)
        await connection.close()
    }

    func start(batchSize: Int = 20) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["ERP_DATABASE_URL"] = TestServers.databaseURL
        environment["ERP_AMQP_URL"] = TestServers.brokerURL
        environment["ERP_HTTP_PORT"] = "0"
        environment["ERP_LOG_LEVEL"] = "warning"
        environment["ERP_CONSUMER_BATCH_SIZE"] = String(batchSize)
        environment["ERP_SAMPLE_SCHEMA"] = name
        environment["ERP_SAMPLE_QUEUE"] = queue
        environment["ERP_SAMPLE_EVENTS_EXCHANGE"] = eventsExchange
        if let failpoint {
            environment["ERP_FAILPOINT_" + failpoint.uppercased().replacingOccurrences(of: "-", with: "_")] = failpointFile
        }
        process = try ChildProcess(Self.binary, environment: environment)
    }

    func armFailpoint() {
        _ = FileManager.default.createFile(atPath: failpointFile, contents: Data())
    }

    /// Waits until the process has ended by itself (the failpoint killed it); returns its signal.
    func waitForCrash(timeout seconds: Double = 30) async throws -> Int32? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        guard !process.isRunning else { return nil }
        crashes += 1
        return process.terminatedBySignal ? process.terminationStatus : nil
    }

    /// Sends SIGTERM and returns the exit status.
    func stop() async throws -> Int32 {
        guard let process, process.isRunning else { return -1 }
        process.terminate()
        await process.exited()
        return process.terminationStatus
    }

    func cleanUp(pool: PostgresPool) async {
        process?.signal(SIGKILL)
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(name) CASCADE"))
        await TestBrokerPolicies.remove(
            for: SampleService.definition(schema: name, queue: queue, bindings: [], eventsExchange: eventsExchange).queues)
        if let connection = try? await AMQPConnection.connect(TestServers.broker) {
            for name in [queue, "\(queue).parked", "\(queue).retry.1", "\(queue).retry.2", "\(queue).retry.3"] {
                _ = try? await connection.deleteQueue(name)
            }
            try? await connection.deleteExchange(eventsExchange)
            await connection.close()
        }
        try? FileManager.default.removeItem(atPath: failpointFile)
    }

    func count(_ table: String, pool: PostgresPool) async throws -> Int {
        try await pool.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(name).\(table)"))[0].decode(Int.self, at: 0)
    }

    func totals(pool: PostgresPool) async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for row in try await pool.query(PostgresQuery(unsafeSQL: "SELECT key, total FROM \(name).tallies")) {
            result[try row.decode(String.self, column: "key")] = try row.decode(Int.self, column: "total")
        }
        return result
    }

    func command(_ add: Tally.Add) throws -> AMQPMessage {
        let envelope = try Envelope(add, source: "tests", correlationID: "c-\(add.key)")
        return AMQPMessage(exchange: "", routingKey: queue, body: envelope.payload, properties: envelope.amqpProperties)
    }
}
