import AMQP
import Foundation
import Messaging
import Postgres
import TestSupport

/// The real service executables (debug build) running as processes, on a database and a
/// RabbitMQ virtual host of their own, so they use their default schemas, queues and
/// exchanges without meeting any other test. A process can be killed (SIGKILL: no
/// graceful shutdown) and started again.
public final class ProcessSystem: @unchecked Sendable {
    public let tag: String
    public let databaseURL: String
    public let brokerURL: String
    public let logs: URL
    /// Where the executables are: the debug build by default; the soak passes the folder of
    /// the build it runs from (release).
    public let binaries: URL
    private let lock = NSLock()
    private var running: [String: ChildProcess] = [:]

    /// Creates the database (with the service roles' schemas), the virtual host and the
    /// topology, and migrates every service.
    public static func make(prefix: String = "t_proc", binaries: URL? = nil) async throws -> ProcessSystem {
        let tag = TestEnvironment.uniqueName(prefix)
        var database = URLComponents(string: TestEnvironment.databaseURL)!
        var broker = URLComponents(string: TestEnvironment.brokerURLForPrograms)!
        let admin = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: 1)
        _ = try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(tag)"))
        await admin.close()
        database.path = "/\(tag)"
        broker.percentEncodedPath = "/\(tag)"
        let system = ProcessSystem(
            tag: tag, databaseURL: database.string!, brokerURL: broker.string!,
            binaries: binaries ?? TestEnvironment.repo.appendingPathComponent(".build/debug"))
        try system.check(
            try await runProgramAsync(
                "/usr/bin/env",
                [
                    "psql", system.databaseURL, "-q", "-v", "ON_ERROR_STOP=1", "-f",
                    TestEnvironment.repo.appendingPathComponent("deploy/postgres/service-roles.sql").path,
                ]), "creating the service schemas")
        try system.check(try await runProgramAsync(TestEnvironment.serversScript, ["rabbitmqctl", "add_vhost", tag]), "adding the virtual host")
        let user = broker.user ?? "guest"
        try system.check(
            try await runProgramAsync(TestEnvironment.serversScript, ["rabbitmqctl", "set_permissions", "-p", tag, user, ".*", ".*", ".*"]),
            "permissions")
        try system.check(try await system.erpctl(["topology", "declare"]), "declaring the topology")
        try system.check(try await system.erpctl(["migrate"]), "migrating")
        return system
    }

    init(tag: String, databaseURL: String, brokerURL: String, binaries: URL) {
        (self.tag, self.databaseURL, self.brokerURL, self.binaries) = (tag, databaseURL, brokerURL, binaries)
        logs = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(tag)
        try? FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    func check(_ result: (status: Int32, output: String), _ what: String) throws {
        guard result.status == 0 else { throw Failure(description: "\(what) failed (\(result.status)): \(result.output)") }
    }

    public var broker: AMQPConfiguration { get throws { try AMQPConfiguration(url: brokerURL) } }

    /// A pool on the system's database as its owner (reads every schema).
    public func pool() throws -> PostgresPool { PostgresPool(configuration: try PostgresConfiguration(url: databaseURL), size: 2) }

    /// Runs erpctl on the system (on a thread of its own: other tests' services share this process's cooperative threads).
    public func erpctl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["ERP_DATABASE_URL"] = databaseURL
        environment["ERP_AMQP_URL"] = brokerURL
        return try await runProgramAsync(executable("erpctl"), arguments, environment: environment)
    }

    func executable(_ name: String) -> String {
        binaries.appendingPathComponent(name).path
    }

    /// The name an instance of a service goes by: the service for the first, `service-k` after.
    public static func instanceName(_ service: String, _ instance: Int) -> String { instance == 1 ? service : "\(service)-\(instance)" }

    /// Starts `erp-<service>` connected as its own role; returns once its queues have a consumer
    /// more than before it started (instances compete for the same queues).
    public func start(_ service: String, instance: Int = 1, settings: [String: String] = [:]) async throws {
        let name = Self.instanceName(service, instance)
        var database = URLComponents(string: databaseURL)!
        (database.user, database.password) = ("erp_\(service)", "erp_\(service)")
        var environment = ProcessInfo.processInfo.environment
        environment["ERP_DATABASE_URL"] = database.string!
        environment["ERP_AMQP_URL"] = brokerURL
        environment["ERP_HTTP_PORT"] = "0"
        environment["ERP_LOG_LEVEL"] = "warning"
        for (key, value) in settings { environment[key] = value }
        let log = logs.appendingPathComponent("\(name).log")
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        let queue = "\(service).commands"
        let connection = try await AMQPConnection.connect(try broker)
        let before = (try? await connection.declareQueue(queue, passive: true).consumerCount) ?? 0
        let process = try ChildProcess(
            executable("erp-\(service)"), environment: environment, standardOutput: handle.fileDescriptor,
            standardError: handle.fileDescriptor)
        try handle.close()
        lock.withLock { running[name] = process }
        let consuming = try await eventually(within: 60) {
            guard process.isRunning else { return false }
            return (try? await connection.declareQueue(queue, passive: true).consumerCount) ?? 0 > before
        }
        await connection.close()
        guard consuming else { throw Failure(description: "erp-\(name) did not start: \(tail(name))") }
    }

    /// Kills an instance's process at once (SIGKILL), as a crash would, and waits until it is gone
    /// (`service` or `service-k`, as ``instanceName(_:_:)`` names it).
    public func kill(_ service: String) async {
        guard let process = lock.withLock({ running.removeValue(forKey: service) }) else { return }
        let queue = "\(service.split(separator: "-")[0]).commands"
        let connection = try? await AMQPConnection.connect(try broker)
        let before = try? await connection?.declareQueue(queue, passive: true).consumerCount
        process.signal(SIGKILL)
        await process.exited()
        // The broker drops a dead connection's consumers a moment after the process is gone; a
        // start before then would count the dead consumer and wait for one more than it gets.
        if let connection, let before {
            _ = try? await eventually(within: 30) { (try? await connection.declareQueue(queue, passive: true).consumerCount) ?? before < before }
        }
        await connection?.close()
    }

    /// Stops an instance as an operator would (SIGTERM: it finishes what it holds), killing it
    /// if it has not stopped after `grace` seconds.
    public func stop(_ name: String, grace: Double = 30) async {
        guard let process = lock.withLock({ running.removeValue(forKey: name) }) else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(grace)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.signal(SIGKILL) }
        await process.exited()
    }

    /// Sends `signal` to an instance (SIGSTOP pauses it, SIGCONT lets it go on); false if it is not running.
    @discardableResult public func signal(_ name: String, _ signal: Int32) -> Bool {
        guard let process = lock.withLock({ running[name] }), process.isRunning else { return false }
        process.signal(signal)
        return true
    }

    /// The instances started and not killed, by name.
    public var instances: [String] { lock.withLock { running.keys.sorted() } }

    public func tail(_ service: String) -> String {
        let text = (try? String(contentsOf: logs.appendingPathComponent("\(service).log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// Stops every process and drops the database and the virtual host.
    public func tearDown() async {
        await stopProcesses()
        let admin = try? PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: 1)
        _ = try? await admin?.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(tag) WITH (FORCE)"))
        await admin?.close()
        _ = try? await runProgramAsync(TestEnvironment.serversScript, ["rabbitmqctl", "delete_vhost", tag])
    }

    /// Stops every process (SIGTERM) and waits for it, keeping the database and the virtual host.
    public func stopProcesses() async {
        let processes = lock.withLock { Array(running.values) }
        for process in processes where process.isRunning {
            process.signal(SIGCONT)
            process.terminate()
            await process.exited()
        }
    }
}
