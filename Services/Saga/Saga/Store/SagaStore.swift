import Contracts
import Foundation
import Postgres
import SagaKit

/// Saga rows, inside the caller's transaction. A saga's row is locked while a message for
/// it is handled, so two coordinator instances never advance the same saga at once.
public struct SagaStore: Sendable {
    public let schema: String
    public init(schema: String = "saga") { self.schema = schema }
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    static func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try MessageCoding.encoder().encode(value), as: UTF8.self) }

    /// Inserts a new saga and its first history entries in one statement; false if one with
    /// this key exists (a second start: nothing is written).
    public func insert<D>(_ state: SagaState<D>, key: String, in tx: PostgresTransaction) async throws -> Bool {
        let head = try Self.head(state, data: try Self.json(state.data))
        let history = state.history
        let started = try await tx.query(
            """
            WITH started AS (
                INSERT INTO \(identifier: schema).instances (id, type, key, status, step, compensating, state, request_id, deadline, version)
                VALUES (\(state.id), \(state.type), \(key), \(state.status.rawValue), \(state.step), \(state.compensating), \(head)::jsonb,
                    \(state.requestID), \(state.deadline), \(state.version)) ON CONFLICT (key) DO NOTHING RETURNING id
            ), appended AS (
                INSERT INTO \(identifier: schema).history (saga_id, at, step, what)
                SELECT s.id, h.at, h.step, h.what
                FROM started s, unnest(\(history.map(\.at))::timestamptz[], \(history.map(\.step))::text[], \(history.map(\.what))::text[])
                    WITH ORDINALITY AS h (at, step, what, n)
                ORDER BY h.n
            )
            SELECT count(*)::int FROM started
            """)
        return try started[0].decode(Int.self, at: 0) == 1
    }

    /// The state without its history (and without its data unless `data` is given), as
    /// the JSON the message coding would give (snake_case keys, ISO 8601 seconds), written
    /// directly: it is written at every step, and a JSONEncoder spent more on it than on
    /// anything else a step does.
    static func head<D>(_ state: SagaState<D>, data: String? = nil) throws -> String {
        var head = "{\"id\":\"" + state.id.uuidString + "\",\"type\":" + JSONText.quoted(state.type) + ",\"step\":" + String(state.step)
        head += ",\"compensating\":" + (state.compensating ? "true" : "false") + ",\"status\":\"" + state.status.rawValue + "\""
        head += ",\"version\":" + String(state.version)
        if let request = state.requestID { head += ",\"request_id\":\"" + request.uuidString + "\"" }
        if let deadline = state.deadline { head += ",\"deadline\":\"" + deadline.formatted(.iso8601) + "\"" }
        if let failure = state.failure { head += ",\"failure\":" + (try json(failure)) }
        if let data { head += ",\"data\":" + data }
        if state.retries > 0 { head += ",\"retries\":" + String(state.retries) }
        head += ",\"early\":" + (state.early.isEmpty ? "[]" : try json(state.early)) + "}"
        return head
    }

    /// Saves a saga read through a ``Row``: its history entries (the new ones: a row's state
    /// has none) are appended to `history` by the same statement, and its data is written only
    /// when `dataChanged`. The version read must still be there: otherwise the version becomes
    /// NULL, which its NOT NULL refuses, and the transaction fails. Queued: it goes to the
    /// server with the transaction's next statement (see `PostgresTransaction.queue`).
    public func save<D>(_ state: SagaState<D>, dataChanged: Bool = true, in tx: PostgresTransaction) async throws {
        let data = dataChanged ? try Self.json(state.data) : nil
        let history = state.history
        try await tx.queue(
            """
            WITH appended AS (
                INSERT INTO \(identifier: schema).history (saga_id, at, step, what)
                SELECT \(state.id), h.at, h.step, h.what
                FROM unnest(\(history.map(\.at))::timestamptz[], \(history.map(\.step))::text[], \(history.map(\.what))::text[])
                    WITH ORDINALITY AS h (at, step, what, n)
                ORDER BY h.n
            )
            UPDATE \(identifier: schema).instances SET status = \(state.status.rawValue), step = \(state.step), compensating = \(state.compensating),
                state = jsonb_set(\(try Self.head(state))::jsonb, '{data}', coalesce(\(data)::jsonb, state->'data')),
                request_id = \(state.requestID), deadline = \(state.deadline),
                version = CASE WHEN version = \(state.version)::int - 1 THEN \(state.version)::int END, updated_at = now()
            WHERE id = \(state.id)
            """)
    }

    /// A saga's row: what the coordinator needs to pick its engine and decode its state
    /// (its history is in `history`, which only `erpctl saga show` reads).
    public struct Row: Sendable {
        public let id: UUID
        public let type: String
        public let status: String
        public let state: Data
        public let version: Int
    }

    static let columns = "id, type, status, state::text, version"

    static func row(_ row: PostgresRow) throws -> Row {
        Row(
            id: try row.decode(UUID.self, at: 0), type: try row.decode(String.self, at: 1), status: try row.decode(String.self, at: 2),
            state: Data(try row.decode(String.self, at: 3).utf8), version: try row.decode(Int.self, at: 4))
    }

    /// The saga waiting for this request id, locked.
    public func byRequest(_ request: UUID, in tx: PostgresTransaction) async throws -> Row? {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.columns) FROM \(s).instances WHERE request_id = $1 FOR UPDATE", binds: [request])
        ).first.map(Self.row)
    }

    public func byID(_ id: UUID, in tx: PostgresTransaction) async throws -> Row? {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM \(s).instances WHERE id = $1 FOR UPDATE", binds: [id])).first.map(
            Self.row)
    }

    /// The key a saga was started with.
    public func key(of saga: UUID, in tx: PostgresTransaction) async throws -> String? {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT key FROM \(s).instances WHERE id = $1", binds: [saga])).first?.decode(String.self, at: 0)
    }

    public func byKey(_ key: String, in tx: PostgresTransaction) async throws -> Row? {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM \(s).instances WHERE key = $1 FOR UPDATE", binds: [key])).first.map(
            Self.row)
    }

    /// Frees a finished saga's key for a new saga (the old one keeps `key:<its id>`).
    public func retireKey(_ key: String, ifStatusIn statuses: [String], in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(s).instances SET key = key || ':' || id::text WHERE key = $1 AND status = ANY($2::text[])
                    """, binds: [key, statuses]))
    }

    /// Waiting sagas whose key starts with `keyPrefix` (e.g. every saga of an order), locked.
    /// A byte-wise range (not `LIKE`), so that the prepared statement uses the prefix index.
    public func waiting(keyPrefix: String, in tx: PostgresTransaction) async throws -> [Row] {
        var end = Array(keyPrefix.utf8)
        end[end.count - 1] += 1  // prefixes end in ':' (never 0xFF)
        return try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.columns) FROM \(s).instances WHERE status = 'waiting' AND key ~>=~ $1 AND key ~<~ $2 ORDER BY created_at FOR UPDATE
                    """, binds: [keyPrefix, String(decoding: end, as: UTF8.self)])
        ).map(Self.row)
    }

    /// Sagas whose deadline has passed, locked (others' locked ones are skipped).
    /// The waiting sagas whose deadline has passed at `now`, locked (others' are skipped).
    public func due(limit: Int, now: Date, in tx: PostgresTransaction) async throws -> [Row] {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Self.columns) FROM \(s).instances WHERE status = 'waiting' AND deadline <= $2
                    ORDER BY deadline LIMIT $1 FOR UPDATE SKIP LOCKED
                    """, binds: [limit, now])
        ).map(Self.row)
    }

    /// An earlier order (seen within `window`) of the same platform, shop, currency,
    /// customer email and shipping address whose fulfilment is still holding for merging.
    public func heldForMerging(like order: OrderSnapshot, within window: Duration, in tx: PostgresTransaction) async throws -> Int64? {
        guard let email = order.customer?.email?.lowercased(), !email.isEmpty, let address = order.shippingAddress else { return nil }
        let seconds = Double(window.components.seconds)
        return try await tx.query(
            """
            SELECT o.order_id FROM \(identifier: schema).orders_seen o
                JOIN \(identifier: schema).instances i ON i.key = 'order:' || o.order_id || ':fulfilment'
            WHERE i.status = 'waiting' AND i.step = 0 AND i.state->'data'->>'merge_hold' = 'true'
              AND o.order_id <> \(order.order) AND o.seen_at >= now() - make_interval(secs => \(seconds)::double precision)
              AND o.snapshot->>'platform' = \(order.platform) AND o.snapshot->>'shop' = \(order.shop)
              AND o.snapshot->>'currency' = \(order.currency)
              AND lower(o.snapshot->'customer'->>'email') = \(email) AND o.snapshot->'shipping_address' = \(try Self.json(address))::jsonb
            ORDER BY o.order_id LIMIT 1 FOR UPDATE OF i
            """
        ).first?.decode(Int64.self, at: 0)
    }

    /// Serialises, until the transaction ends, the handlers that look for an order's sagas
    /// and those that start one: with two coordinators, a status change handled while the
    /// other starts the order's fulfilment was kept as unclaimed after the fulfilment had
    /// looked for unclaimed changes, and the paid order waited for a payment it had (found
    /// by the chaos soak). After the lock each statement sees what the other committed.
    public func lockOrder(_ order: Int64, in tx: PostgresTransaction) async throws {
        _ = try await tx.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(PostgresQuery.advisoryKey("saga order \(order)", schema: schema, home: "saga")), 0))")
    }

    /// Keeps an order's status change that no saga waited for (``SagaMigrations/unclaimedOrderEvents``),
    /// and lets go of those older than a week.
    public func keepUnclaimed(order: Int64, payload: Data, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            PostgresQuery(unsafeSQL: "INSERT INTO \(s).unclaimed_order_events (order_id, payload) VALUES ($1, $2)", binds: [order, payload]))
        try await tx.queue(PostgresQuery(unsafeSQL: "DELETE FROM \(s).unclaimed_order_events WHERE at < now() - interval '7 days'"))
    }

    /// Takes the order's unclaimed status changes, oldest first.
    public func claimUnclaimed(order: Int64, in tx: PostgresTransaction) async throws -> [Data] {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "DELETE FROM \(s).unclaimed_order_events WHERE order_id = $1 RETURNING id, payload", binds: [order])
        ).map { (try $0.decode(Int64.self, at: 0), try $0.decode(Data.self, at: 1)) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    public func rememberOrder(_ snapshot: OrderSnapshot, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(s).orders_seen (order_id, snapshot) VALUES ($1, $2::jsonb)
                    ON CONFLICT (order_id) DO UPDATE SET snapshot = EXCLUDED.snapshot
                    """, binds: [snapshot.order, try Self.json(snapshot)]))
    }

    public func order(_ id: Int64, in tx: PostgresTransaction) async throws -> OrderSnapshot? {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT snapshot::text FROM \(s).orders_seen WHERE order_id = $1", binds: [id])).first.map {
            try MessageCoding.decoder().decode(OrderSnapshot.self, from: Data(try $0.decode(String.self, at: 0).utf8))
        }
    }
}
