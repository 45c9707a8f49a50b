import Contracts
import Foundation
import Postgres

/// Platform messages that were not taken, with their raw body, routing key, signature and
/// reason, until an operator retries them.
public struct QuarantineStore: Sendable {
    public let schema: String
    public init(schema: String = "orders") { self.schema = schema }
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    public struct Entry: Sendable, Equatable, Codable {
        public let id: Int64
        public let receivedAt: Date
        public let routingKey: String
        public let code: String
        public let reason: String
        public let status: String
        public let attempts: Int
        public let body: Data
        public let signature: String?
        public let shopHeader: String?
        public let orderID: Int64?
    }

    public func add(_ message: IngestMessage, rejection: IntakeRejection, in tx: PostgresTransaction) async throws -> Int64 {
        try await tx.query(PostgresQuery(sql: """
            INSERT INTO \(s).quarantine (exchange, routing_key, message_id, signature, shop_header, body, code, reason)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
            """, binds: [
                message.exchange, message.routingKey, message.messageID, message.signature, message.shopHeader, message.body, rejection.code,
                rejection.reason,
            ]))[0].decode(Int64.self, at: 0)
    }

    public func entry(_ id: Int64, lock: Bool = false, in tx: PostgresTransaction) async throws -> Entry? {
        try await tx.query(PostgresQuery(sql: """
            SELECT id, received_at, routing_key, code, reason, status, attempts, body, signature, shop_header, order_id
            FROM \(s).quarantine WHERE id = $1 \(lock ? "FOR UPDATE" : "")
            """, binds: [id])).first.map(Self.entry)
    }

    public func list(includeRetried: Bool, limit: Int, _ pool: PostgresPool) async throws -> [Entry] {
        try await pool.query(PostgresQuery(sql: """
            SELECT id, received_at, routing_key, code, reason, status, attempts, body, signature, shop_header, order_id
            FROM \(s).quarantine WHERE $1 OR status = 'open' ORDER BY id LIMIT $2
            """, binds: [includeRetried, limit])).map(Self.entry)
    }

    public func markRetried(_ id: Int64, order: Int64?, in tx: PostgresTransaction) async throws {
        try await tx.query(PostgresQuery(sql: """
            UPDATE \(s).quarantine SET status = 'retried', retried_at = now(), attempts = attempts + 1, order_id = $2 WHERE id = $1
            """, binds: [id, order]))
    }

    public func rejectedAgain(_ id: Int64, _ rejection: IntakeRejection, in tx: PostgresTransaction) async throws {
        try await tx.query(PostgresQuery(sql: """
            UPDATE \(s).quarantine SET code = $2, reason = $3, attempts = attempts + 1, retried_at = now() WHERE id = $1
            """, binds: [id, rejection.code, rejection.reason]))
    }

    static func entry(_ row: PostgresRow) throws -> Entry {
        Entry(
            id: try row.decode(Int64.self, column: "id"), receivedAt: try row.decode(Date.self, column: "received_at"),
            routingKey: try row.decode(String.self, column: "routing_key"), code: try row.decode(String.self, column: "code"),
            reason: try row.decode(String.self, column: "reason"), status: try row.decode(String.self, column: "status"),
            attempts: try row.decode(Int.self, column: "attempts"), body: try row.decode(Data.self, column: "body"),
            signature: try row.decode(String?.self, column: "signature"), shopHeader: try row.decode(String?.self, column: "shop_header"),
            orderID: try row.decode(Int64?.self, column: "order_id"))
    }
}
