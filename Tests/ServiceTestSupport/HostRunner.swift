import AMQP
import Messaging
import Postgres
import ServiceKit
import ServiceLifecycleTestKit

/// What both harnesses do around their services: run the hosts while `body` runs and shut
/// them down gracefully afterwards (also when `body` throws); then remove what the test made.
enum HostRunner {
    static func run<T>(_ hosts: [ServiceHost], _ body: () async throws -> T) async throws -> T {
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for host in hosts { group.addTask { try await host.run() } }
                do {
                    let value = try await body()
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                    return value
                } catch {
                    trigger.triggerGracefulShutdown()
                    try? await group.waitForAll()
                    throw error
                }
            }
        }
    }

    /// Deletes the services' queues and the test's exchanges, and drops their schemas.
    static func tearDown(_ definitions: [ServiceDefinition], exchanges: [String], setup: AMQPConnection, environment: ServiceEnvironment) async {
        for definition in definitions {
            for queue in definition.queues { await Topology.delete(queue, on: setup) }
            for queue in definition.otherQueues { _ = try? await setup.deleteQueue(queue) }
            for exchange in definition.otherExchanges { try? await setup.deleteExchange(exchange) }
        }
        for exchange in exchanges { try? await setup.deleteExchange(exchange) }
        await setup.close()
        let cleanup = PostgresPool(configuration: environment.database, size: 1)
        for schema in Set(definitions.map(\.schema)) { _ = try? await cleanup.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE")) }
        await cleanup.close()
    }
}
