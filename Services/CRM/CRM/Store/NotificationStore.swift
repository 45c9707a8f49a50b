import Contracts
import Foundation
import Postgres

extension NotificationChannel: PostgresDecodable {}
extension NotificationAudience: PostgresDecodable {}
extension NotificationPurpose: PostgresDecodable {}

/// Notification rules, templates and the notifications made, in the crm schema.
public struct NotificationStore: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    public struct Rule: Sendable, Equatable, Codable {
        public var id: Int64
        public var name: String
        public var event: String
        public var condition: NotificationCondition
        public var audience: NotificationAudience
        public var addresses: [String]
        public var channel: NotificationChannel
        public var template: String
        public var purpose: NotificationPurpose
        public var enabled: Bool
    }

    static let ruleColumns: PostgresQuery =
        "id, name, event, condition::text, audience, array_to_json(addresses)::text, channel, template, purpose, enabled"

    static func rule(_ row: PostgresRow) throws -> Rule {
        Rule(
            id: try row.decode(Int64.self, at: 0), name: try row.decode(String.self, at: 1), event: try row.decode(String.self, at: 2),
            condition: try NotificationCondition.parse(try row.decode(String.self, at: 3)),
            audience: try row.decode(NotificationAudience.self, at: 4), addresses: try Self.list(try row.decode(String.self, at: 5)),
            channel: try row.decode(NotificationChannel.self, at: 6), template: try row.decode(String.self, at: 7),
            purpose: try row.decode(NotificationPurpose.self, at: 8), enabled: try row.decode(Bool.self, at: 9))
    }

    static func list(_ json: String) throws -> [String] { try JSONDecoder().decode([String].self, from: Data(json.utf8)) }

    /// The enabled rules of an event type.
    func rules(for event: String, in tx: PostgresTransaction) async throws -> [Rule] {
        try await tx.query(
            "SELECT \(unescaped: Self.ruleColumns.sql) FROM \(identifier: schema).notification_rules WHERE event = \(event) AND enabled ORDER BY id"
        ).map(Self.rule)
    }

    public func rules(_ pool: PostgresPool) async throws -> [Rule] {
        try await pool.query("SELECT \(unescaped: Self.ruleColumns.sql) FROM \(identifier: schema).notification_rules ORDER BY id").map(Self.rule)
    }

    func addRule(_ command: CRMCommand.AddNotificationRule, condition: NotificationCondition, actor: String, in tx: PostgresTransaction) async throws
        -> Int64?
    {
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).notification_rules (name, event, condition, audience, addresses, channel, template, purpose, created_by)
            VALUES (\(command.name), \(command.event), \(condition.json)::jsonb, \(command.audience.rawValue), \(command.addresses),
                \(command.channel.rawValue), \(command.template), \(command.purpose.rawValue), \(actor))
            ON CONFLICT (name) DO NOTHING RETURNING id
            """
        ).first?.decode(Int64.self, at: 0)
    }

    func disableRule(_ name: String, actor: String, in tx: PostgresTransaction) async throws -> Int64? {
        try await tx.query(
            """
            UPDATE \(identifier: schema).notification_rules SET enabled = false, disabled_at = now(), disabled_by = \(actor)
            WHERE name = \(name) AND enabled RETURNING id
            """
        ).first?.decode(Int64.self, at: 0)
    }

    // MARK: - Templates

    static func template(_ row: PostgresRow) throws -> NotificationTemplate {
        NotificationTemplate(
            name: try row.decode(String.self, at: 0), locale: try row.decode(String.self, at: 1), event: try row.decode(String.self, at: 2),
            subject: try row.decode(String.self, at: 3), text: try row.decode(String.self, at: 4), html: try row.decode(String?.self, at: 5))
    }

    /// A template in the first of `locales` it exists in.
    func template(_ name: String, locales: [String], in tx: PostgresTransaction) async throws -> NotificationTemplate? {
        try await tx.query(
            """
            SELECT name, locale, event, subject, text_body, html_body FROM \(identifier: schema).notification_templates
            WHERE name = \(name) AND locale = ANY(\(locales)::text[]) ORDER BY array_position(\(locales)::text[], locale) LIMIT 1
            """
        ).first.map(Self.template)
    }

    /// The event of a template, in any locale (nil: no such template).
    func templateEvent(_ name: String, in tx: PostgresTransaction) async throws -> String? {
        try await tx.query("SELECT event FROM \(identifier: schema).notification_templates WHERE name = \(name) LIMIT 1").first?.decode(
            String.self, at: 0)
    }

    func setTemplate(_ template: NotificationTemplate, actor: String, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).notification_templates (name, locale, event, subject, text_body, html_body, updated_by)
            VALUES (\(template.name), \(template.locale), \(template.event), \(template.subject), \(template.text), \(template.html), \(actor))
            ON CONFLICT (name, locale) DO UPDATE SET subject = EXCLUDED.subject, text_body = EXCLUDED.text_body, html_body = EXCLUDED.html_body,
                updated_at = now(), updated_by = EXCLUDED.updated_by
            """)
    }

    public func templates(_ pool: PostgresPool) async throws -> [NotificationTemplate] {
        try await pool.query(
            "SELECT name, locale, event, subject, text_body, html_body FROM \(identifier: schema).notification_templates ORDER BY name, locale"
        ).map(Self.template)
    }

    // MARK: - Notifications

    /// Makes a rule's notification of an event, unless it exists (a redelivered event).
    func enqueue(
        rule: Int64, event: Envelope, type: String, payload: String, order: Int64?, customer: Int64?, in tx: PostgresTransaction
    ) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).notifications (rule_id, event_id, event_type, occurred_at, payload, order_id, customer)
            VALUES (\(rule), \(event.id), \(type), \(event.occurredAt), \(payload)::jsonb, \(order), \(customer))
            ON CONFLICT (rule_id, event_id) DO NOTHING
            """)
    }

    /// A notification taken for sending.
    struct Claimed: Sendable {
        let id: Int64
        let rule: Rule
        let eventType: String
        let occurredAt: Date
        let payload: String
        let order: Int64?
        let customer: Int64?
        let attempts: Int
        let createdAt: Date
    }

    /// Takes up to `limit` due notifications (and ones whose sender died: their lease ran
    /// out) for `lease`, counting an attempt each.
    func claim(limit: Int, lease: Duration, now: Date, in tx: PostgresTransaction) async throws -> [Claimed] {
        let until = now + TimeInterval(lease.components.seconds)
        return try await tx.query(
            """
            WITH due AS (
                SELECT id FROM \(identifier: schema).notifications
                WHERE (status = 'pending' AND next_attempt_at <= \(now)) OR (status = 'sending' AND lease_until <= \(now))
                ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), taken AS (
                UPDATE \(identifier: schema).notifications n SET status = 'sending', lease_until = \(until), attempts = n.attempts + 1
                FROM due WHERE n.id = due.id
                RETURNING n.id, n.rule_id, n.event_type, n.occurred_at, n.payload::text AS payload, n.order_id, n.customer, n.attempts, n.created_at
            )
            SELECT t.id, t.event_type, t.occurred_at, t.payload, t.order_id, t.customer, t.attempts, t.created_at,
                   r.id, r.name, r.event, r.condition::text, r.audience, array_to_json(r.addresses)::text, r.channel, r.template, r.purpose, r.enabled
            FROM taken t JOIN \(identifier: schema).notification_rules r ON r.id = t.rule_id
            ORDER BY t.id
            """
        ).map { row in
            Claimed(
                id: try row.decode(Int64.self, at: 0),
                rule: Rule(
                    id: try row.decode(Int64.self, at: 8), name: try row.decode(String.self, at: 9), event: try row.decode(String.self, at: 10),
                    condition: try NotificationCondition.parse(try row.decode(String.self, at: 11)),
                    audience: try row.decode(NotificationAudience.self, at: 12), addresses: try Self.list(try row.decode(String.self, at: 13)),
                    channel: try row.decode(NotificationChannel.self, at: 14), template: try row.decode(String.self, at: 15),
                    purpose: try row.decode(NotificationPurpose.self, at: 16), enabled: try row.decode(Bool.self, at: 17)),
                eventType: try row.decode(String.self, at: 1), occurredAt: try row.decode(Date.self, at: 2),
                payload: try row.decode(String.self, at: 3),
                order: try row.decode(Int64?.self, at: 4), customer: try row.decode(Int64?.self, at: 5), attempts: try row.decode(Int.self, at: 6),
                createdAt: try row.decode(Date.self, at: 7))
        }
    }

    /// A customer's name (the one seen last), email and phone (the ones first seen last), as
    /// three columns for the customer in `column`: how a notification or a segment's member
    /// list reaches them.
    static func contact(schema: String, of column: String) -> String {
        let s = PostgresQuery.quoteIdentifier(schema)
        return """
            (SELECT n.name FROM \(s).customer_names n WHERE n.customer = \(column) ORDER BY n.last_seen DESC LIMIT 1),
            (SELECT k.value FROM \(s).customer_keys k WHERE k.customer = \(column) AND k.kind = 'email' ORDER BY k.first_seen DESC LIMIT 1),
            (SELECT k.value FROM \(s).customer_keys k WHERE k.customer = \(column) AND k.kind = 'phone' ORDER BY k.first_seen DESC LIMIT 1)
            """
    }

    /// A customer as a notification needs them: live id, contact, language, whether forgotten,
    /// marketing consent on `consentChannel`, and how many notifications they were sent since `since`
    /// (counting those being sent side by side ahead of `notification`, so that a burst stops at the limit).
    struct Recipient: Sendable {
        let person: NotificationContext.Customer
        let forgotten: Bool
        let consented: Bool
        let sentSince: Int
    }

    func recipient(_ customer: Int64, consentChannel: String, since: Date, before notification: Int64, in tx: PostgresTransaction) async throws
        -> Recipient?
    {
        guard
            let row = try await tx.query(
                """
                SELECT c.id, \(unescaped: Self.contact(schema: schema, of: "c.id")),
                       c.language, c.forgotten_at IS NOT NULL,
                       coalesce((SELECT opted_in FROM \(identifier: schema).consent_changes x WHERE x.customer = c.id AND x.channel = \(consentChannel)
                                 ORDER BY x.at DESC, x.id DESC LIMIT 1), false),
                       (SELECT count(*)::int FROM \(identifier: schema).notifications s
                        WHERE s.customer = c.id AND s.id <> \(notification)
                          AND ((s.status = 'sent' AND s.sent_at >= \(since)) OR (s.status = 'sending' AND s.id < \(notification))))
                FROM \(identifier: schema).customers c WHERE c.id = \(customer)
                """
            ).first
        else { return nil }
        return Recipient(
            person: NotificationContext.Customer(
                id: try row.decode(Int64.self, at: 0), name: try row.decode(String?.self, at: 1), email: try row.decode(String?.self, at: 2),
                phone: try row.decode(String?.self, at: 3), language: try row.decode(String?.self, at: 4)),
            forgotten: try row.decode(Bool.self, at: 5), consented: try row.decode(Bool.self, at: 6), sentSince: try row.decode(Int.self, at: 7))
    }

    /// Notes who it goes to (and for whom) once known.
    func address(_ id: Int64, customer: Int64?, recipient: String, subject: String, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            UPDATE \(identifier: schema).notifications SET customer = coalesce(\(customer), customer), recipient = \(recipient), subject = \(subject)
            WHERE id = \(id)
            """)
    }

    func markSent(_ id: Int64, at: Date, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            UPDATE \(identifier: schema).notifications SET status = 'sent', sent_at = \(at), lease_until = NULL, last_error = NULL
            WHERE id = \(id) AND status = 'sending'
            """)
    }

    /// Pending again at `next` (a retry), or `failed`/`suppressed` for good, with why.
    func settle(_ id: Int64, status: String, next: Date? = nil, error: String, countAttempt: Bool = true, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            UPDATE \(identifier: schema).notifications SET status = \(status), next_attempt_at = coalesce(\(next), next_attempt_at),
                lease_until = NULL, last_error = \(String(error.prefix(1_000))), attempts = attempts - \(countAttempt ? 0 : 1)
            WHERE id = \(id) AND status = 'sending'
            """)
    }

    /// Makes failed notifications (one, or all) pending again; how many.
    func retry(_ id: Int64?, in tx: PostgresTransaction) async throws -> Int {
        try await tx.query(
            """
            UPDATE \(identifier: schema).notifications SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
            WHERE status = 'failed' AND (\(id)::bigint IS NULL OR id = \(id)::bigint) RETURNING id
            """
        ).count
    }

    public struct Listed: Sendable, Codable, Equatable {
        public var id: Int64
        public var rule: String
        public var channel: String
        public var eventType: String
        public var customer: Int64?
        public var recipient: String?
        public var subject: String?
        public var status: String
        public var attempts: Int
        public var lastError: String?
        public var createdAt: Date
        public var sentAt: Date?
    }

    public func list(failed: Bool, customer: Int64?, limit: Int, _ pool: PostgresPool) async throws -> [Listed] {
        try await pool.query(
            """
            SELECT n.id, r.name, r.channel, n.event_type, n.customer, n.recipient, n.subject, n.status, n.attempts, n.last_error, n.created_at, n.sent_at
            FROM \(identifier: schema).notifications n JOIN \(identifier: schema).notification_rules r ON r.id = n.rule_id
            WHERE (NOT \(failed) OR n.status = 'failed') AND (\(customer)::bigint IS NULL OR n.customer = \(customer)::bigint)
            ORDER BY n.id DESC LIMIT \(limit)
            """
        ).map { row in
            Listed(
                id: try row.decode(Int64.self, at: 0), rule: try row.decode(String.self, at: 1), channel: try row.decode(String.self, at: 2),
                eventType: try row.decode(String.self, at: 3), customer: try row.decode(Int64?.self, at: 4),
                recipient: try row.decode(String?.self, at: 5), subject: try row.decode(String?.self, at: 6),
                status: try row.decode(String.self, at: 7), attempts: try row.decode(Int.self, at: 8), lastError: try row.decode(String?.self, at: 9),
                createdAt: try row.decode(Date.self, at: 10), sentAt: try row.decode(Date?.self, at: 11))
        }
    }
}
