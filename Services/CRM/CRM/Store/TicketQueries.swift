import Contracts
import Foundation
import Postgres
import ServiceKit

/// What `erpctl crm tickets` and `crm ticket show` read from the crm schema.
public struct TicketQueries: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    /// Tickets, newest first: only those not resolved or closed (`open`), only those past a
    /// deadline or marked breached (`overdue`), only one assignee's.
    public func list(open: Bool, overdue: Bool, assignee: String?, now: Date = Date(), limit: Int, _ pool: PostgresPool) async throws -> ReportTable {
        let rows = try await pool.query(
            """
            SELECT t.id AS ticket, t.customer, c.display_name AS name, t.kind, t.priority, t.status, t.assignee, t.subject, t.order_id AS order,
                   t.first_response_due, t.resolution_due,
                   concat_ws(', ',
                       CASE WHEN t.first_response_breached_at IS NOT NULL OR (t.first_response_at IS NULL AND t.first_response_due <= \(now)
                                 AND t.status IN ('open', 'in_progress', 'waiting_customer')) THEN 'first response' END,
                       CASE WHEN t.resolution_breached_at IS NOT NULL OR (t.resolution_due <= \(now)
                                 AND t.status IN ('open', 'in_progress', 'waiting_customer')) THEN 'resolution' END) AS overdue
            FROM \(identifier: schema).tickets t JOIN \(identifier: schema).customers c ON c.id = t.customer
            WHERE (NOT \(open) OR t.status IN ('open', 'in_progress', 'waiting_customer'))
              AND (\(assignee)::text IS NULL OR t.assignee = \(assignee))
              AND (NOT \(overdue) OR (t.status IN ('open', 'in_progress', 'waiting_customer')
                   AND (t.first_response_breached_at IS NOT NULL OR t.resolution_breached_at IS NOT NULL
                        OR (t.first_response_at IS NULL AND t.first_response_due <= \(now)) OR t.resolution_due <= \(now))))
            ORDER BY t.opened_at DESC, t.id DESC
            LIMIT \(limit)
            """)
        return ReportTable(rows, numeric: ["ticket", "customer", "order"])
    }

    public struct Detail: Codable, Sendable, Equatable {
        public var ticket: Int64
        public var customer: Int64
        public var kind: String
        public var priority: String
        public var status: String
        public var subject: String
        public var order: Int64?
        public var assignee: String?
        public var openedAt: Date
        public var firstResponseDue: Date
        public var resolutionDue: Date
        public var firstResponseAt: Date?
        public var firstResponseBreachedAt: Date?
        public var resolutionBreachedAt: Date?
        public var messages: [Message]
        public var history: [Change]

        public struct Message: Codable, Sendable, Equatable {
            public var at: Date
            public var direction: String
            public var author: String
            public var body: String
        }

        public struct Change: Codable, Sendable, Equatable {
            public var at: Date
            public var from: String?
            public var to: String
            public var actor: String
            public var note: String?
        }
    }

    public func detail(_ ticket: Int64, _ pool: PostgresPool) async throws -> Detail? {
        try await pool.withTransaction(isolation: .repeatableRead) { tx in
            let s = schema
            guard
                let row = try await tx.query(
                    """
                    SELECT id, customer, kind, priority, status, subject, order_id, assignee, opened_at, first_response_due, resolution_due,
                           first_response_at, first_response_breached_at, resolution_breached_at
                    FROM \(identifier: s).tickets WHERE id = \(ticket)
                    """
                ).first
            else { return nil }
            var detail = try Detail(
                ticket: row.decode(column: "id"), customer: row.decode(column: "customer"), kind: row.decode(column: "kind"),
                priority: row.decode(column: "priority"), status: row.decode(column: "status"), subject: row.decode(column: "subject"),
                order: row.decode(column: "order_id"), assignee: row.decode(column: "assignee"), openedAt: row.decode(column: "opened_at"),
                firstResponseDue: row.decode(column: "first_response_due"), resolutionDue: row.decode(column: "resolution_due"),
                firstResponseAt: row.decode(column: "first_response_at"), firstResponseBreachedAt: row.decode(column: "first_response_breached_at"),
                resolutionBreachedAt: row.decode(column: "resolution_breached_at"), messages: [], history: [])
            detail.messages = try await tx.query(
                "SELECT at, direction, author, body FROM \(identifier: s).ticket_messages WHERE ticket = \(ticket) ORDER BY id"
            ).map { row in
                try Detail.Message(
                    at: row.decode(column: "at"), direction: row.decode(column: "direction"), author: row.decode(column: "author"),
                    body: row.decode(column: "body"))
            }
            detail.history = try await tx.query(
                "SELECT at, from_status, to_status, actor, note FROM \(identifier: s).ticket_history WHERE ticket = \(ticket) ORDER BY id"
            ).map { row in
                try Detail.Change(
                    at: row.decode(column: "at"), from: row.decode(column: "from_status"), to: row.decode(column: "to_status"),
                    actor: row.decode(column: "actor"), note: row.decode(column: "note"))
            }
            return detail
        }
    }
}
