import AMQP
import Foundation
import Postgres
import TestSupport

/// Server addresses from the environment, as the test command sets them.
enum TestServers {
    static var databaseURL: String { TestEnvironment.databaseURL }
    static var brokerURL: String { TestEnvironment.brokerURL }

    static var database: PostgresConfiguration {
        var configuration = try! PostgresConfiguration(url: databaseURL)
        configuration.applicationName = "erp-messaging-tests"
        return configuration
    }

    static var broker: AMQPConfiguration { try! AMQPConfiguration(url: brokerURL) }

    /// A name no other test uses, valid as a schema, queue or exchange name.
    static func unique(_ prefix: String) -> String { TestEnvironment.uniqueName("t_\(prefix)") }
}
