import Contracts
import Foundation
import Messaging
import Postgres
@testable import Saga
@testable import SagaKit
import TestSupport
import Testing

/// The saga store on a real database: a step writes only what changed (its new history
/// entries, its data when it changed) and never over a version it did not read.
@Suite(.timeLimit(.minutes(6))) struct SagaStoreTests {
    struct Data: Codable, Sendable, Equatable { var order: Int; var note: String }
    struct Go: Message, Equatable { static let type: MessageType = "test.go.v1"; let order: Int }

    static let engine = SagaEngine(
        SagaDefinition<Data>(
            type: "test",
            steps: [
                SagaStep("one", action: { try SagaCommand(Go(order: $0.order)) }),
                SagaStep("two", action: { try SagaCommand(Go(order: $0.order)) }),
            ], onFailure: { _, _ in [] }))

    func withStore(_ body: (PostgresPool, SagaStore) async throws -> Void) async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: 2)
        let schema = TestEnvironment.uniqueName("t_sagastore")
        try await MessagingSchema.migrate(schema: schema, pool: pool)
        try await PostgresMigrator(schema: schema, migrations: SagaMigrations.all).migrate(pool)
        var failure: (any Error)?
        do { try await body(pool, SagaStore(schema: schema)) } catch { failure = error }
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        await pool.close()
        if let failure { throw failure }
    }

    func reply(to state: SagaState<Data>) -> SagaInput {
        .reply(requestID: state.requestID!, outcome: CommandOutcome(commandID: state.requestID!, commandType: Go.type, status: .done))
    }

    /// An order's lock serialises the coordinators of one schema only: a test's or a
    /// benchmark's schema in the same database never waits for another's order of that number.
    @Test func anOrdersLockExcludesOnlyTransactionsOfTheSameSchema() async throws {
        try await withStore { pool, store in
            let other = SagaStore(schema: TestEnvironment.uniqueName("t_sagastore"))
            try await pool.withTransaction { holder in
                try await store.lockOrder(42, in: holder)
                try await pool.withTransaction { tx in
                    try await tx.query("SET LOCAL lock_timeout = '5s'")
                    try await other.lockOrder(42, in: tx)
                }
                do {
                    try await pool.withTransaction { tx in
                        try await tx.query("SET LOCAL lock_timeout = '200ms'")
                        try await store.lockOrder(42, in: tx)
                    }
                    Issue.record("order 42's lock was taken twice in one schema")
                } catch let error as PostgresError {
                    #expect(error.sqlState == "55P03", "\(error)")
                }
            }
        }
    }

    @Test func aStepAppendsItsHistoryKeepsUnchangedDataAndRefusesAStaleVersion() async throws {
        try await withStore { pool, store in
            let (started, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, note: "first"), now: Date())
            let inserted = try await pool.withTransaction { tx in try await store.insert(started, key: "test:7", in: tx) }
            #expect(inserted)
            // Read back as the coordinator reads it (without its history), advanced, saved.
            let read = try await pool.withTransaction { tx in try await store.byRequest(started.requestID!, in: tx) }
            let row = try #require(read)
            let loaded = try MessageCoding.decoder().decode(SagaState<Data>.self, from: row.state)
            #expect(loaded.history.isEmpty)
            let (next, _) = try Self.engine.handle(reply(to: loaded), state: loaded, now: Date())
            try await pool.withTransaction { tx in try await store.save(next, dataChanged: false, in: tx) }
            let stored = try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT (SELECT count(*)::int FROM \(store.schema).history WHERE saga_id = i.id), state->'data'->>'note', version
                        FROM \(store.schema).instances i WHERE id = $1
                        """, binds: [started.id]))[0]
            #expect(try stored.decode(Int.self, at: 0) == started.history.count + next.history.count)
            #expect(try stored.decode(String.self, at: 1) == "first")
            #expect(try stored.decode(Int.self, at: 2) == next.version)
            // The same step saved again (over a version it did not read) fails the transaction.
            let stale = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction(maxAttempts: 1) { tx in
                    try await store.save(next, in: tx)
                    try await tx.query("SELECT 1")
                }
            }
            #expect(stale?.sqlState == "23502", "the version would become NULL: \(String(describing: stale))")
            #expect(stale?.column == "version")
        }
    }
}

extension SagaStoreTests {
    @Test func aStateWrittenWithoutAnEncoderReadsBackAsTheSameState() throws {
        let (started, _) = try Self.engine.start(id: UUID(), data: Data(order: 7, note: "x"), now: Date(timeIntervalSince1970: 1_796_000_000))
        var state = started
        state.history = []
        state.failure = SagaFailure(step: "one", code: "refused", reason: "a \"quoted\" reason\\ on\ntwo lines\u{1}, 中文")
        state.early = [.init(type: Go.type, body: try SagaPayload(encoding: Go(order: 7)))]
        let whole = try SagaStore.head(state, data: #"{"order":7,"note":"x"}"#)
        let read = try MessageCoding.decoder().decode(SagaState<Data>.self, from: Foundation.Data(whole.utf8))
        #expect(read == state)
        let encoded = try MessageCoding.decoder().decode(SagaState<Data>.self, from: try MessageCoding.encoder().encode(state))
        #expect(read == encoded, "the same state the encoder's JSON gives")
    }

    @Test func fulfilmentsSavedBeforeWarehouseShipmentsWaitAtTheSameStepAfterTheMigration() async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: 2)
        let schema = TestEnvironment.uniqueName("t_sagamig")
        var failure: (any Error)?
        do {
            try await MessagingSchema.migrate(schema: schema, pool: pool)
            try await PostgresMigrator(schema: schema, migrations: Array(SagaMigrations.all.prefix(7))).migrate(pool)
            let store = SagaStore(schema: schema)
            let engine = SagaEngine(Fulfilment.definition())
            let data = Fulfilment.Data(order: 1, lines: [.init(line: 1, sku: "TEE", quantity: 1)], region: nil, paid: true)
            // As the earlier definition left them: one waiting for its delivery scan (old step 6),
            // one whose "issue stock" command was out (old step 4).
            var delivering = try engine.start(id: UUID(), data: data, now: Date()).0
            (delivering.step, delivering.requestID, delivering.deadline) = (6, nil, Date().addingTimeInterval(86_400))
            var issuing = try engine.start(id: UUID(), data: data, now: Date()).0
            (issuing.step, issuing.requestID) = (4, UUID())
            try await pool.withTransaction { tx in
                _ = try await store.insert(delivering, key: "order:1:fulfilment", in: tx)
                _ = try await store.insert(issuing, key: "order:2:fulfilment", in: tx)
            }
            try await PostgresMigrator(schema: schema, migrations: SagaMigrations.all).migrate(pool)
            let rows = try await pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT key, step, request_id IS NULL, deadline > now() + interval '47 hours', state::text FROM \(schema).instances ORDER BY key
                        """))
            let steps = try rows.map { try $0.decode(Int.self, at: 1) }
            #expect(steps == [7, 4], "await delivery is step 7 now; the issue caught in flight waits for its shipment")
            #expect(try rows[1].decode(Bool.self, at: 2) && rows[1].decode(Bool.self, at: 3), "no request out, a new ship-by deadline")
            let moved = try MessageCoding.decoder().decode(
                SagaState<Fulfilment.Data>.self, from: Foundation.Data(try rows[0].decode(String.self, at: 4).utf8))
            #expect(moved.step == 7)
            let delivered = try JSONSerialization.data(withJSONObject: ["order": 1, "to": "delivered"])
            let (next, actions) = try engine.handle(
                .event(type: OrderEvent.StatusChanged.type, body: SagaPayload(json: delivered)), state: moved, now: Date())
            #expect(next.step == 9 && actions.count == 1, "the delivery scan moves it on to complete the order")
            let waiting = try MessageCoding.decoder().decode(
                SagaState<Fulfilment.Data>.self, from: Foundation.Data(try rows[1].decode(String.self, at: 4).utf8))
            #expect(waiting.step == 4 && waiting.requestID == nil)
        } catch { failure = error }
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        await pool.close()
        if let failure { throw failure }
    }
}
