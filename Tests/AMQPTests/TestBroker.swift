import AMQP
import Foundation

/// Broker address from the environment, as the test command sets it; the default matches
/// `deploy/local/servers.sh`.
enum TestBroker {
    static var url: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_AMQP_URL"] ?? environment["ERP_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5679/%2f"
    }

    static func configuration(_ name: String = "erp-tests") -> AMQPConfiguration {
        var configuration = try! AMQPConfiguration(url: url)
        configuration.connectionName = name
        return configuration
    }

    static func unique(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `rabbitmqctl` against the local node through the servers script.
    @discardableResult
    static func rabbitmqctl(_ arguments: String...) throws -> String {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = ProcessInfo.processInfo.environment["ERP_LOCAL_SERVERS"] ?? repo.appendingPathComponent("deploy/local/servers.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "rabbitmqctl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

extension AMQPConsumer {
    /// The next delivery, or nil if none arrives within `seconds`.
    func next(within seconds: Double) async throws -> AMQPDelivery? {
        try await withThrowingTaskGroup(of: AMQPDelivery?.self) { group in
            group.addTask {
                var iterator = self.makeAsyncIterator()
                return try await iterator.next()
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
    }
}
