import Foundation
import Messaging
import ServiceKit
import TestSupport

/// Sets and removes queue policies on the test broker, as `erpctl topology declare` (and the
/// broker's definitions file) do for a deployment's queues: a test's queues have names of
/// their own, so the test sets the same policies (``ServiceQueue/policies``) for them
/// before its queues are declared, and removes them after.
public enum TestBrokerPolicies {
    static var management: BrokerManagement {
        get throws {
            var management = try BrokerManagement(url: TestEnvironment.brokerManagementURL)
            // The test broker is busy with every suite at once.
            management.timeout = .seconds(90)
            return management
        }
    }

    public static func apply(for queues: [ServiceQueue]) async throws {
        try await management.apply(queues.flatMap(\.policies))
    }

    public static func remove(for queues: [ServiceQueue]) async {
        guard let management = try? management else { return }
        await management.remove(queues.flatMap(\.policies))
    }

    /// What the broker says of a queue (see ``BrokerManagement/queueDetails(_:)``).
    public static func queueDetails(_ queue: String) async throws -> [String: Any] {
        try await management.queueDetails(queue)
    }
}
