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

    /// Enqueues an envelope for `exchange` with `routingKey` (default: its type string).
    public func enqueue(_ envelope: Envelope, exchange: String, routingKey: String? = nil, in transaction: PostgresTransaction) async throws {
        try await transaction.query(PostgresQuery(sql: """
            INSERT INTO \(PostgresQuery.quoteIdentifier(schema)).outbox
                (message_id, exchange, routing_key, message_type, correlation_id, causation_id, schema_version, occurred_at, source, payload)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, binds: [
                envelope.id, exchange, routingKey ?? envelope.type.rawValue, envelope.type.rawValue, envelope.correlationID,
                envelope.causationID, envelope.schemaVersion, envelope.occurredAt, envelope.source, envelope.payload,
            ]))
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

    /// Enqueues a command for `erp.commands`, routed by its type string.
    @discardableResult
    public func send<M: Message>(
        command: M, correlationID: String? = nil, causationID: String? = nil, in transaction: PostgresTransaction
    ) async throws -> Envelope {
        let envelope = try Envelope(command, source: source, correlationID: correlationID, causationID: causationID)
        try await enqueue(envelope, exchange: Exchanges.commands, in: transaction)
        return envelope
    }
}
