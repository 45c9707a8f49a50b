import Contracts
import Foundation
import Messaging
import Postgres
import ServiceKit

/// The sample service: keeps named tallies and announces each new total. It is what a
/// service looks like (a definition, migrations and handlers; ServiceKit does the rest)
/// and what the messaging fault tests and the end-to-end benchmark run as a process.
public enum SampleService {
    public static func definition(
        schema: String = "sample", queue: String = "sample.commands",
        bindings: [QueueBinding] = [QueueBinding(exchange: Exchanges.commands, routingKey: Tally.Add.type.rawValue)],
        eventsExchange: String = Exchanges.events, retryDelaysMilliseconds: [Int] = [1_000, 5_000, 30_000]
    ) -> ServiceDefinition {
        var handlers = MessageHandlers()
        handlers.on(Tally.Add.self) { command, context in
            try await add(command, schema: schema, eventsExchange: eventsExchange, context: context)
        }
        return ServiceDefinition(
            name: "sample", schema: schema, defaultHTTPPort: 8090, migrations: migrations,
            queues: [ServiceQueue(name: queue, bindings: bindings, retryDelaysMilliseconds: retryDelaysMilliseconds)],
            handlers: handlers)
    }

    public static let migrations = [
        PostgresMigration(
            version: 1, name: "tallies",
            sql: """
                CREATE TABLE tallies (key text PRIMARY KEY, total bigint NOT NULL, updates int NOT NULL);
                """)
    ]

    /// Adds to a tally and enqueues `Tally.Added` with the new total, in the handler's
    /// transaction. A negative amount is refused (validation); a key starting with `fail`
    /// stands for a dependency that is down, so tests can watch retries end in parking.
    static func add(_ command: Tally.Add, schema: String, eventsExchange: String, context: HandlerContext) async throws {
        guard command.amount >= 0 else { throw PermanentMessageError("validation", "amount \(command.amount) is negative") }
        if command.key.hasPrefix("fail") { throw DependencyDown() }
        let total = try await context.transaction.query(
            """
            INSERT INTO \(identifier: schema).tallies AS t (key, total, updates) VALUES (\(command.key), \(command.amount), 1)
            ON CONFLICT (key) DO UPDATE SET total = t.total + EXCLUDED.total, updates = t.updates + 1
            RETURNING total
            """)[0].decode(Int.self, at: 0)
        let event = try context.envelope.reply(Tally.Added(key: command.key, amount: command.amount, total: total), source: "erp-sample")
        context.enqueue(event, exchange: eventsExchange, routingKey: Tally.Added.type.rawValue)
    }
}

/// The failure the sample reports for keys starting with `fail`: transient, so it is retried.
public struct DependencyDown: TransientFailure, CustomStringConvertible {
    public init() {}
    public var description: String { "the dependency is down (on purpose)" }
}
