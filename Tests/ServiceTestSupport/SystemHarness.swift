import AMQP
import Foundation
import Logging
import Messaging
import Postgres
import ServiceKit
import TestSupport

/// Several real services running together in-process, on their own schemas and on a pair
/// of exchanges of their own: `commands` (commands and platform messages) and `events`
/// (every service publishes its events there and reads the events it needs from there).
public struct SystemHarness: Sendable {
    public let prefix: String
    public let commands: String
    public let events: String
    public let hosts: [String: ServiceHost]
    public let client: CommandClient

    public func pool(_ service: String) -> PostgresPool { hosts[service]!.pool }
    public func schema(_ service: String) -> String { hosts[service]!.definition.schema }

    /// `services` maps a name to a definition made from (schema, queue prefix, commands, events).
    public static func run<T>(
        prefix: String,
        services: [String: @Sendable (_ schema: String, _ queuePrefix: String, _ commands: String, _ events: String) -> ServiceDefinition],
        _ body: (SystemHarness) async throws -> T
    ) async throws -> T {
        try await SystemSlots.shared.run { try await runInSlot(prefix: prefix, services: services, body) }
    }

    static func runInSlot<T>(
        prefix: String,
        services: [String: @Sendable (_ schema: String, _ queuePrefix: String, _ commands: String, _ events: String) -> ServiceDefinition],
        _ body: (SystemHarness) async throws -> T
    ) async throws -> T {
        let tag = TestEnvironment.uniqueName(prefix)
        let commands = "\(tag).commands", events = "\(tag).events"
        let environment = ServiceHarness.environment
        let setup = try await AMQPConnection.connect(environment.broker)
        let unrouted = "\(tag).unrouted"
        let alternate = try await HostRunner.declareUnrouted(unrouted, on: setup)
        try await setup.declareExchange(commands, type: .topic, durable: false, arguments: alternate)
        try await setup.declareExchange(events, type: .topic, durable: false, arguments: alternate)
        var hosts: [String: ServiceHost] = [:]
        var definitions: [ServiceDefinition] = []
        for (name, make) in services.sorted(by: { $0.key < $1.key }) {
            var definition = make("\(tag)_\(name)", "\(tag).\(name)", commands, events).declaringLimits()
            definition.eventsExchange = events
            definitions.append(definition)
            hosts[name] = try await ServiceHost.prepare(definition, environment: environment, logger: Logger(label: "test.\(name)"))
        }
        let client = try await CommandClient.connect(environment.broker, source: "tests", exchange: commands)
        let harness = SystemHarness(prefix: tag, commands: commands, events: events, hosts: hosts, client: client)
        let result: Result<T, Error>
        do { result = .success(try await HostRunner.run(Array(hosts.values)) { try await body(harness) }) } catch { result = .failure(error) }
        await client.close()
        await HostRunner.tearDown(definitions, exchanges: [commands, events, unrouted], setup: setup, environment: environment)
        return try result.get()
    }
}
