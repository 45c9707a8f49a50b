import Contracts
import Foundation
import Postgres

/// Writes outgoing messages into a schema's `outbox` table inside the caller's
/// transaction, so that a message is published if and only if the state change that
/// produced it commits. The ``OutboxRelay`` publishes them.
public struct Outbox: Sendable {
    public let schema: String
    /// The `app_id` of messages from this service.
    public let source: String

    public init(schema: String, source: String) {
        self.schema = schema
        self.source = source
    }

    /// A message waiting to be written to the outbox.
    public struct Entry: Sendable {
        public var envelope: Envelope
        public var exchange: String
        public var routingKey: String

        public init(_ envelope: Envelope, exchange: String, routingKey: String? = nil) {
            self.envelope = envelope
            self.exchange = exchange
            self.routingKey = routingKey ?? envelope.type.rawValue
        }
    }

    /// Enqueues an envelope for `exchange` with `routingKey` (default: its type string).
    public func enqueue(_ envelope: Envelope, exchange: String, routingKey: String? = nil, in transaction: PostgresTransaction) async throws {
        try await enqueue([Entry(envelope, exchange: exchange, routingKey: routingKey)], in: transaction)
    }

    /// Enqueues several messages with one statement, in the given order. The statement is
    /// queued: it goes to the server with the transaction's next one, usually the COMMIT.
    public func enqueue(_ entries: [Entry], in transaction: PostgresTransaction) async throws {
        guard !entries.isEmpty else { return }
        let envelopes = entries.map(\.envelope)
        try await transaction.queue(
            """
            INSERT INTO \(identifier: schema).outbox
                (message_id, exchange, routing_key, message_type, correlation_id, causation_id, schema_version, occurred_at, source,
                 payload, reply_to)
            SELECT message_id, exchange, routing_key, message_type, correlation_id, causation_id, schema_version, occurred_at, source,
                   payload, reply_to
            FROM unnest(\(envelopes.map(\.id))::uuid[], \(entries.map(\.exchange))::text[], \(entries.map(\.routingKey))::text[],
                        \(envelopes.map(\.type.rawValue))::text[], \(envelopes.map(\.correlationID))::text[],
                        \(envelopes.map(\.causationID))::text[], \(envelopes.map(\.schemaVersion))::int[],
                        \(envelopes.map(\.occurredAt))::timestamptz[], \(envelopes.map(\.source))::text[],
                        \(envelopes.map(\.payload))::bytea[], \(envelopes.map(\.replyTo))::text[]) WITH ORDINALITY
                AS rows (message_id, exchange, routing_key, message_type, correlation_id, causation_id, schema_version,
                         occurred_at, source, payload, reply_to, position)
            ORDER BY position
            """)
    }

    /// Enqueues a domain event for `erp.events`, routed by its type string.
    @discardableResult
    public func publish<M: Message>(
        event: M, correlationID: String? = nil, causationID: String? = nil, in transaction: PostgresTransaction
    ) async throws -> Envelope {
        let envelope = try Envelope(event, source: source, correlationID: correlationID, causationID: causationID)
        try await enqueue(envelope, exchange: Exchanges.events, in: transaction)
        return envelope
    }

    /// Enqueues a command for `erp.commands`, routed by its type string; its outcome goes
    /// to `erp.replies` with routing key `replyTo` when one is given.
    @discardableResult
    public func send<M: Message>(
        command: M, correlationID: String? = nil, causationID: String? = nil, replyTo: String? = nil,
        in transaction: PostgresTransaction
    ) async throws -> Envelope {
        let envelope = try Envelope(command, source: source, correlationID: correlationID, causationID: causationID, replyTo: replyTo)
        try await enqueue(envelope, exchange: Exchanges.commands, in: transaction)
        return envelope
    }
}
