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
    /// Declares a test's own alternate exchange and its queue (named alike), as
    /// `erp.unrouted` is for `erp.events` and `erp.commands`: the relay publishes `mandatory`,
    /// so an event no test binds must land somewhere rather than come back. Returns the
    /// arguments that give an exchange this alternate exchange.
    static func declareUnrouted(_ name: String, on setup: AMQPConnection) async throws -> AMQPTable {
        try await setup.declareExchange(name, type: .fanout, durable: false)
        try await Topology.declareUnroutedQueue(name, durable: false, on: setup)
        return ["alternate-exchange": .string(name)]
    }

    static func tearDown(_ definitions: [ServiceDefinition], exchanges: [String], setup: AMQPConnection, environment: ServiceEnvironment) async {
        // The alternate exchanges' queues are named after them.
        for exchange in exchanges where exchange.hasSuffix(".unrouted") { _ = try? await setup.deleteQueue(exchange) }
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

extension ServiceDefinition {
    /// The definition with its queues' limits declared as arguments (``ServiceQueue/declaresLimits``):
    /// the harnesses start hundreds of services side by side, each with queues of its own.
    func declaringLimits() -> ServiceDefinition {
        var definition = self
        definition.queues = queues.map { queue in
            var queue = queue
            queue.declaresLimits = true
            return queue
        }
        return definition
    }
}
