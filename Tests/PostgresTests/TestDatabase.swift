import Foundation
import Postgres

/// Server addresses come from the environment, as the test command sets them
/// (`deploy/local/test.sh`); the defaults match `deploy/local/servers.sh`.
enum TestDatabase {
    static var url: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_DATABASE_URL"] ?? environment["ERP_DATABASE_URL"]
            ?? "postgres://erp:erp@127.0.0.1:54329/erp"
    }

    static var configuration: PostgresConfiguration {
        var configuration = try! PostgresConfiguration(url: url)
        configuration.applicationName = "erp-tests"
        return configuration
    }

    /// A table name no other test uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration)
    }
}
