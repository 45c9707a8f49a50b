import Contracts
import Foundation
import Postgres

/// Platform messages that were not taken, with their raw body, routing key, message id,
/// signature and shop header (byte for byte) and the reason, until an operator retries them.
/// Each intake keeps its own table `quarantine` in its schema (orders', CRM's); `takenColumn`
/// names what a retry that was taken made (`order_id`, `customer_id`).
public struct QuarantineStore: Sendable {
    public let schema: String
    public let takenColumn: String
    public init(schema: String = "orders", takenColumn: String = "order_id") { (self.schema, self.takenColumn) = (schema, takenColumn) }
    var s: String { PostgresQuery.quoteIdentifier(schema) }
    var taken: String { PostgresQuery.quoteIdentifier(takenColumn) }

    public struct Entry: Sendable, Equatable, Codable {
        public let id: Int64
        public let receivedAt: Date
        /// Exactly as it arrived (it may hold control characters: show it with
        /// ``IngestMessage/printable(_:)``).
        public let routingKey: String
        public let messageID: String?
        public let code: String
        public let reason: String
        public let status: String
        public let attempts: Int
        public let body: Data
        public let signature: String?
        public let shopHeader: String?
        /// What a retry that was taken made (an order, a customer).
        public let taken: Int64?
    }

    /// Keeps a message that was not taken; returns its quarantine id and whether the row is
    /// new. The same message delivered again (same message id, routing key and body: its
    /// first delivery's acknowledgement was lost to a killed instance or a broker restart, or
    /// a paused instance's delivery went to another) keeps its first row and is announced
    /// once: the chaos soak found such messages quarantined twice.
    public func keep(_ message: IngestMessage, rejection: IntakeRejection, in tx: PostgresTransaction) async throws -> (id: Int64, isNew: Bool) {
        let printable = PrintableText.of
        func bytes(_ text: String?) -> Data? { text.map { Data($0.utf8) } }
        if let messageID = message.messageID {
            // Two instances taking the two deliveries at once: the second waits for the first's commit, then finds its row.
            // Keyed by the id's bytes in hex: a hostile id may hold a NUL, which no text value can.
            _ = try await tx.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(\("quarantine \(schema) ") || encode(\(Data(messageID.utf8)), 'hex'), 0))")
            let existing = try await tx.query(
                """
                SELECT id FROM \(identifier: schema).quarantine
                WHERE message_id_bytes = \(Data(messageID.utf8)) AND routing_key_bytes = \(Data(message.routingKey.utf8))
                  AND body = \(message.body)
                ORDER BY id LIMIT 1
                """)
            if let row = existing.first { return (try row.decode(Int64.self, at: 0), false) }
        }
        let id = try await tx.query(
            """
            INSERT INTO \(identifier: schema).quarantine (
                exchange, routing_key, message_id, signature, shop_header, body, code, reason,
                routing_key_bytes, message_id_bytes, signature_bytes, shop_header_bytes)
            VALUES (
                \(printable(message.exchange)), \(printable(message.routingKey)), \(message.messageID.map(printable)),
                \(message.signature.map(printable)), \(message.shopHeader.map(printable)), \(message.body), \(printable(rejection.code)),
                \(printable(rejection.reason)), \(Data(message.routingKey.utf8)), \(bytes(message.messageID)), \(bytes(message.signature)),
                \(bytes(message.shopHeader)))
            RETURNING id
            """)[0].decode(Int64.self, at: 0)
        return (id, true)
    }

    public func entry(_ id: Int64, lock: Bool = false, in tx: PostgresTransaction) async throws -> Entry? {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, received_at, routing_key_bytes, message_id_bytes, code, reason, status, attempts, body, signature_bytes, shop_header_bytes, \(taken) AS taken
                    FROM \(s).quarantine WHERE id = $1 \(lock ? "FOR UPDATE" : "")
                    """, binds: [id])
        ).first.map(Self.entry)
    }

    public func list(includeRetried: Bool, limit: Int, _ pool: PostgresPool) async throws -> [Entry] {
        try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, received_at, routing_key_bytes, message_id_bytes, code, reason, status, attempts, body, signature_bytes, shop_header_bytes, \(taken) AS taken
                    FROM \(s).quarantine WHERE $1 OR status = 'open' ORDER BY id LIMIT $2
                    """, binds: [includeRetried, limit])
        ).map(Self.entry)
    }

    public func markRetried(_ id: Int64, taken made: Int64?, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(s).quarantine SET status = 'retried', retried_at = now(), attempts = attempts + 1, \(taken) = $2 WHERE id = $1
                    """, binds: [id, made]))
    }

    public func rejectedAgain(_ id: Int64, _ rejection: IntakeRejection, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(s).quarantine SET code = $2, reason = $3, attempts = attempts + 1, retried_at = now() WHERE id = $1
                    """, binds: [id, PrintableText.of(rejection.code), PrintableText.of(rejection.reason)]))
    }

    static func entry(_ row: PostgresRow) throws -> Entry {
        func text(_ column: String) throws -> String? {
            try row.decode(Data?.self, column: column).map { String(decoding: $0, as: UTF8.self) }
        }
        return Entry(
            id: try row.decode(Int64.self, column: "id"), receivedAt: try row.decode(Date.self, column: "received_at"),
            routingKey: try text("routing_key_bytes") ?? "", messageID: try text("message_id_bytes"),
            code: try row.decode(String.self, column: "code"),
            reason: try row.decode(String.self, column: "reason"), status: try row.decode(String.self, column: "status"),
            attempts: try row.decode(Int.self, column: "attempts"), body: try row.decode(Data.self, column: "body"),
            signature: try text("signature_bytes"), shopHeader: try text("shop_header_bytes"),
            taken: try row.decode(Int64?.self, column: "taken"))
    }
}
