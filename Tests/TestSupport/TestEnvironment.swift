import Foundation

/// Where the test servers are and how to reach the repo's scripts. Addresses come from the
/// environment, as the test command sets them; the defaults match `deploy/local/servers.sh`.
public enum TestEnvironment {
    /// Whether the fault suites run (`ERP_FAULT_TESTS=1`, set by `deploy/local/test.sh` for
    /// their own run): they kill processes and restart the servers, so a plain `swift test`,
    /// which runs suites side by side, leaves them out.
    public static var faultTestsEnabled: Bool { ProcessInfo.processInfo.environment["ERP_FAULT_TESTS"] == "1" }

    public static var databaseURL: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_DATABASE_URL"] ?? environment["ERP_DATABASE_URL"] ?? "postgres://erp:erp@127.0.0.1:54329/erp"
    }

    /// The hot-standby replica of the test cluster (`servers.sh start` starts it beside the primary).
    public static var replicaURL: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_REPLICA_URL"] ?? environment["ERP_PG_REPLICA_URL"] ?? "postgres://erp:erp@127.0.0.1:54330/erp"
    }

    public static var brokerURL: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_AMQP_URL"] ?? environment["ERP_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5679/%2f"
    }

    /// The broker URL for a program a test starts (erpctl, ProcessSystem's services): a login may take 30 seconds instead
    /// of 10 (`connection_timeout`), since the broker answers logins slowly while every suite
    /// loads it (a CI run's erpctl import failed on "login ... request timed out").
    public static var brokerURLForPrograms: String {
        guard var url = URLComponents(string: brokerURL), !(url.queryItems ?? []).contains(where: { $0.name == "connection_timeout" })
        else { return brokerURL }
        url.queryItems = (url.queryItems ?? []) + [URLQueryItem(name: "connection_timeout", value: "30")]
        return url.string ?? brokerURL
    }

    /// RabbitMQ's management API of the test broker (policies, queue details).
    public static var brokerManagementURL: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_AMQP_MANAGEMENT_URL"] ?? environment["ERP_RABBITMQ_MANAGEMENT_URL"] ?? "http://guest:guest@127.0.0.1:15679"
    }

    /// The local CA and the servers' certificate (`servers.sh` makes them on its first start).
    public static var tlsDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_TLS_DIR"] ?? environment["ERP_TLS_DIR"] ?? repo.appendingPathComponent(".local/tls").path
    }

    /// The directory of the local servers' Unix-domain sockets (`servers.sh`), nil when unknown.
    public static var postgresSocketDirectory: String? {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_PG_SOCKET_DIR"] ?? environment["ERP_PG_SOCKET_DIR"]
    }

    /// The test broker's TLS listener (`servers.sh`: port 5680, the local CA).
    public static var brokerTLSURL: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_AMQPS_URL"] ?? environment["ERP_AMQPS_URL"]
            ?? "amqps://guest:guest@localhost:5680/%2f?cacertfile=\(tlsDirectory)/ca.pem"
    }

    /// The repository's root folder.
    public static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static var serversScript: String {
        ProcessInfo.processInfo.environment["ERP_LOCAL_SERVERS"] ?? repo.appendingPathComponent("deploy/local/servers.sh").path
    }

    /// A built executable of this package (debug build).
    public static func executable(_ name: String) -> String {
        repo.appendingPathComponent(".build/debug/\(name)").path
    }

    /// How many messages `queue` holds by the broker's count: ready and unacknowledged
    /// (`messages`), or one of them (`messages_ready`, `messages_unacknowledged`); nil if
    /// there is no such queue. Zero messages means every delivery was settled: a positive
    /// signal that a consumer has handled (and acknowledged) all it was sent.
    public static func brokerQueueCount(_ queue: String, _ column: String = "messages") async throws -> Int? {
        let output = try await runProgramAsync(
            "/bin/bash", [serversScript, "rabbitmqctl", "-q", "list_queues", "name", column, "--no-table-headers"]
        ).output
        let line = output.split(separator: "\n").first { $0.split(separator: "\t").first.map(String.init) == queue }
        return line?.split(separator: "\t").last.flatMap { Int($0) }
    }

    /// A virtual host of the test's own on the test broker, guest allowed everything in it;
    /// returns its name and the broker URL for it. `deleteVirtualHost` removes it.
    public static func makeVirtualHost(_ prefix: String) async throws -> (name: String, url: String) {
        let vhost = uniqueName(prefix)
        _ = try await runProgramAsync("/bin/bash", [serversScript, "rabbitmqctl", "add_vhost", vhost])
        _ = try await runProgramAsync("/bin/bash", [serversScript, "rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"])
        var url = URLComponents(string: brokerURL)
        url?.path = "/\(vhost)"
        return (vhost, url?.string ?? brokerURL)
    }

    /// Starts the deletion on a thread of its own and returns (called from a `defer`: waiting
    /// there would hold a cooperative thread for the seconds a `rabbitmqctl` run takes).
    public static func deleteVirtualHost(_ name: String) {
        Thread { _ = try? runProgram("/bin/bash", [serversScript, "rabbitmqctl", "delete_vhost", name]) }.start()
    }

    /// A name no other test uses, valid as a schema, table, queue or exchange name.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Runs a program to completion and returns its exit status and its output (stdout and
/// stderr together). For programs that exit by themselves; daemons that keep the pipe
/// open need `ServerControl` in the fault tests instead.
public func runProgram(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let output = try makePipe()
    let child = try ChildProcess(
        path, arguments, environment: environment, standardOutput: output.write.fileDescriptor,
        standardError: output.write.fileDescriptor)
    try output.write.close()
    let data = output.read.readDataToEndOfFile()
    child.waitUntilExit()
    return (child.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
public func eventually(within seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
    // The monotonic clock: the wall clock of a test machine may be adjusted while tests run.
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
    return try await condition()
}

/// ``runProgram`` on a thread of its own, for tests whose services run in this process:
/// waiting for the program must not hold one of the few cooperative threads they need.
public func runProgramAsync(
    _ path: String, _ arguments: [String], environment: [String: String]? = nil
) async throws -> (status: Int32, output: String) {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try runProgram(path, arguments, environment: environment) })
        }
        thread.start()
    }
}
