import Foundation
import Postgres
import TestSupport

/// Server addresses come from the environment, as the test command sets them
/// (`deploy/local/test.sh`); the defaults match `deploy/local/servers.sh`.
enum TestDatabase {
    static var url: String { TestEnvironment.databaseURL }

    static var configuration: PostgresConfiguration {
        var configuration = try! PostgresConfiguration(url: url)
        configuration.applicationName = "erp-tests"
        return configuration
    }

    /// A table name no other test uses.
    static func uniqueName(_ prefix: String) -> String { TestEnvironment.uniqueName(prefix) }

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration)
    }
}
