import SampleService
import AMQP
import Contracts
import Foundation
import Messaging
import Postgres
import TestSupport
import Testing

/// A batch runs its commands without a savepoint each; a refusal fails the batch, which
/// runs again with savepoints. Either way only the refused command is undone.
@Suite(.timeLimit(.minutes(6))) struct CommandBatchTests {
    /// `Tally.Add` as a command: keys starting with `refuse` are refused after the tally was written.
    static func handlers(schema: String) -> MessageHandlers {
        var handlers = MessageHandlers()
        handlers.command(Tally.Add.self) { command, context in
            let total = try await context.transaction.query(
                """
                INSERT INTO \(identifier: schema).tallies AS t (key, total, updates) VALUES (\(command.key), \(command.amount), 1)
                ON CONFLICT (key) DO UPDATE SET total = t.total + EXCLUDED.total, updates = t.updates + 1
                RETURNING total
                """)[0].decode(Int.self, at: 0)
            if command.key.hasPrefix("refuse") { throw CommandRefused("refused-by-test", "key \(command.key) is refused") }
            return total
        }
        return handlers
    }

    @Test func aRefusedCommandInABatchIsUndoneAloneRecordedWithItsReasonAndAnswered() async throws {
        let service = TallyService()
        try await service.setUp()
        let consumer = MessageConsumer(
            service: "tally", queue: service.queue, schema: service.schema, pool: service.pool, brokerConfiguration: TestServers.broker,
            handlers: Self.handlers(schema: service.schema), configuration: .init(batchSize: 50, prefetch: 200))
        let publisher = try await AMQPPublisher.connect(TestServers.broker)
        var messages: [AMQPMessage] = []
        for index in 0..<300 {
            let key = index % 100 == 37 ? "refuse-\(index)" : "k\(index % 5)"
            var message = try service.command(Tally.Add(key: key, amount: 1))
            message.properties.replyTo = "\(service.schema).replies"
            messages.append(message)
        }
        let confirmed = await publisher.publish(batch: messages).allSatisfy { (try? $0.get()) == .confirmed }
        #expect(confirmed)
        try await running([consumer]) { () async throws in
            let handled = try await eventually { try await service.count("inbox") == 300 }
            #expect(handled)
            let drained = try await eventually { try await service.queueIsDrained() }
            #expect(drained)
        }
        let totals = try await service.totals()
        #expect(totals == ["k0": 60, "k1": 60, "k2": 57, "k3": 60, "k4": 60], "the refused commands' tallies were undone")
        let refusals = try await service.pool.query(
            PostgresQuery(unsafeSQL: "SELECT code, reason FROM \(service.schema).command_refusals ORDER BY reason")
        )
        .map { "\(try $0.decode(String.self, at: 0)): \(try $0.decode(String.self, at: 1))" }
        #expect(
            refusals == [
                "refused-by-test: key refuse-137 is refused", "refused-by-test: key refuse-237 is refused",
                "refused-by-test: key refuse-37 is refused",
            ])
        // No relay runs: every outcome is still in the outbox, one per command.
        let outcomes = try await service.pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT convert_from(payload, 'UTF8')::jsonb->>'status' AS status, count(*)::int FROM \(service.schema).outbox
                    WHERE message_type = $1 GROUP BY 1 ORDER BY 1
                    """, binds: [CommandOutcome.type.rawValue])
        ).map { "\(try $0.decode(String.self, at: 0))=\(try $0.decode(Int.self, at: 1))" }
        #expect(outcomes == ["done=297", "refused=3"])
        await publisher.close()
        await service.tearDown()
    }
}
