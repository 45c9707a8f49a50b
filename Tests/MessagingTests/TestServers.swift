import AMQP
import Foundation
import Postgres

/// Server addresses from the environment, as the test command sets them.
enum TestServers {
    static var databaseURL: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_DATABASE_URL"] ?? environment["ERP_DATABASE_URL"] ?? "postgres://erp:erp@127.0.0.1:54329/erp"
    }

    static var brokerURL: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["ERP_TEST_AMQP_URL"] ?? environment["ERP_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5679/%2f"
    }

    static var database: PostgresConfiguration {
        var configuration = try! PostgresConfiguration(url: databaseURL)
        configuration.applicationName = "erp-messaging-tests"
        return configuration
    }

    static var broker: AMQPConfiguration { try! AMQPConfiguration(url: brokerURL) }

    /// A name no other test uses, valid as a schema, queue or exchange name.
    static func unique(_ prefix: String) -> String {
        "t_\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}
