import AMQP
import Foundation
import TestSupport

/// Broker address from the environment, as the test command sets it; the default matches
/// `deploy/local/servers.sh`.
enum TestBroker {
    static var url: String { TestEnvironment.brokerURL }

    static func configuration(_ name: String = "erp-tests") -> AMQPConfiguration {
        var configuration = try! AMQPConfiguration(url: url)
        configuration.connectionName = name
        return configuration
    }

    static func unique(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `rabbitmqctl` against the local node through the servers script (on a thread of
    /// its own: the run takes seconds, which must not hold a cooperative thread).
    @discardableResult
    static func rabbitmqctl(_ arguments: String...) async throws -> String {
        try await runProgramAsync("/bin/bash", [TestEnvironment.serversScript, "rabbitmqctl"] + arguments).output
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
