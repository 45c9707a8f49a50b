import Contracts
import Foundation
import Postgres

/// Satisfaction surveys in the crm schema, inside the caller's transaction.
public struct SurveyStore: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    /// Schedules the survey of a delivered order (once per order; nothing for an order the
    /// CRM does not have). Queued: it goes with the next statement or the commit.
    public func schedule(order: Int64, due: Date, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).surveys (customer, order_id, status, due_at)
            SELECT customer, order_id, 'scheduled', \(due)::timestamptz FROM \(identifier: schema).customer_orders WHERE order_id = \(order)
            ON CONFLICT (order_id) DO NOTHING
            """)
    }

    /// A survey due to be sent, with what decides whether it is.
    public struct Due: Sendable, Equatable {
        public let survey: Int64
        public let customer: Int64
        public let order: Int64
        public let forgotten: Bool
        /// Opted out of both email and sms (their latest statements).
        public let optedOut: Bool
        /// The last survey sent to the customer, if any.
        public let lastInvited: Date?
    }

    /// Scheduled surveys due at `now` (at most `limit`), locked, skipping those another instance holds.
    public func due(now: Date, limit: Int, in tx: PostgresTransaction) async throws -> [Due] {
        let s = schema
        return try await tx.query(
            """
            WITH due AS (
                SELECT id, customer, order_id FROM \(identifier: s).surveys WHERE status = 'scheduled' AND due_at <= \(now)
                ORDER BY due_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            )
            SELECT d.id, d.customer, d.order_id, c.forgotten_at IS NOT NULL AS forgotten,
                   (SELECT count(*) FROM (
                        SELECT DISTINCT ON (channel) opted_in FROM \(identifier: s).consent_changes
                        WHERE customer = d.customer AND channel IN ('email', 'sms') ORDER BY channel, at DESC, id DESC) latest
                    WHERE NOT opted_in) = 2 AS opted_out,
                   (SELECT max(invited_at) FROM \(identifier: s).surveys o WHERE o.customer = d.customer) AS last_invited
            FROM due d JOIN \(identifier: s).customers c ON c.id = d.customer
            ORDER BY d.id
            """
        ).map { row in
            Due(
                survey: try row.decode(Int64.self, column: "id"), customer: try row.decode(Int64.self, column: "customer"),
                order: try row.decode(Int64.self, column: "order_id"), forgotten: try row.decode(Bool.self, column: "forgotten"),
                optedOut: try row.decode(Bool.self, column: "opted_out"), lastInvited: try row.decode(Date?.self, column: "last_invited"))
        }
    }

    public func invite(_ survey: Int64, token: String, at: Date, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            "UPDATE \(identifier: schema).surveys SET status = 'invited', token = \(token), invited_at = \(at) WHERE id = \(survey)")
    }

    public func skip(_ survey: Int64, reason: String, in tx: PostgresTransaction) async throws {
        try await tx.queue("UPDATE \(identifier: schema).surveys SET status = 'skipped', skip_reason = \(reason) WHERE id = \(survey)")
    }

    /// An invited survey, locked for its answer.
    public struct Invited: Sendable {
        public let survey: Int64
        public let customer: Int64
        public let order: Int64
    }

    public func lock(token: String, in tx: PostgresTransaction) async throws -> Invited {
        guard
            let row = try await tx.query(
                "SELECT id, customer, order_id, status FROM \(identifier: schema).surveys WHERE token = \(token) FOR UPDATE"
            ).first
        else {
            throw CommandRefused("unknown-token", "no survey has this token")
        }
        guard try row.decode(String.self, column: "status") == "invited" else {
            throw CommandRefused("survey-answered", "this survey was answered already")
        }
        return Invited(
            survey: try row.decode(Int64.self, column: "id"), customer: try row.decode(Int64.self, column: "customer"),
            order: try row.decode(Int64.self, column: "order_id"))
    }

    public func answer(
        _ survey: Invited, csat: Int, nps: Int?, comment: String?, source: String, ticket: Int64?, at: Date, in tx: PostgresTransaction
    ) async throws {
        try await tx.queue(
            """
            UPDATE \(identifier: schema).surveys SET status = 'answered', answered_at = \(at), csat = \(csat), nps = \(nps), comment = \(comment),
                source = \(source), ticket = \(ticket)
            WHERE id = \(survey.survey)
            """)
    }
}
