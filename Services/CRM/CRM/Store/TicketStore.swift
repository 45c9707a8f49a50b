import Contracts
import Foundation
import Postgres

/// Tickets, their messages, history and deadlines in the crm schema, inside the caller's
/// transaction. Every change is also on the customer's timeline.
public struct TicketStore: Sendable {
    public let schema: String
    let customers: CRMStore
    public init(schema: String = "crm") {
        self.schema = schema
        customers = CRMStore(schema: schema)
    }

    /// A ticket as it stands, locked for the change being made.
    public struct Locked: Sendable {
        public let id: Int64
        public let customer: Int64
        public let status: TicketStatus
        public let priority: TicketPriority
        public let firstResponseAt: Date?
        public let assignee: String?
        public let kind: TicketKind
        public let order: Int64?
        /// A repair's or a re-send's lines (when the saga coordinator was asked to act).
        public let lines: [OrderCommand.ShipmentLine]?
        public let repairOutcome: RepairOutcome?
    }

    public func open(
        customer: Int64, kind: TicketKind, subject: String, order: Int64?, priority: TicketPriority, at: Date,
        deadlines: (firstResponse: Date, resolution: Date), actor: String, message: UUID, lines: [OrderCommand.ShipmentLine]? = nil,
        in tx: PostgresTransaction
    ) async throws -> Int64 {
        let s = schema
        let id = try await tx.query(
            """
            INSERT INTO \(identifier: s).tickets (customer, kind, subject, order_id, priority, status, opened_at, first_response_due, resolution_due, lines)
            VALUES (\(customer), \(kind.rawValue), \(subject), \(order), \(priority.rawValue), 'open', \(at), \(deadlines.firstResponse), \(deadlines.resolution),
                \(lines.map { PostgresJSON($0) }))
            RETURNING id
            """)[0].decode(Int64.self, at: 0)
        try await history(id, from: nil, to: .open, actor: actor, note: nil, at: at, in: tx)
        try await customers.addToTimeline(
            customer: customer, at: at, kind: "ticket_opened", summary: "ticket \(id) opened (\(kind.rawValue), \(priority.rawValue)): \(subject)",
            order: order, actor: actor, message: message, in: tx)
        return id
    }

    public func lock(_ ticket: Int64, in tx: PostgresTransaction) async throws -> Locked {
        guard
            let row = try await tx.query(
                """
                SELECT t.id, t.customer, t.status, t.priority, t.first_response_at, t.assignee, t.kind, t.order_id, t.lines::text AS lines,
                       t.repair_outcome, c.forgotten_at IS NOT NULL AS forgotten
                FROM \(identifier: schema).tickets t JOIN \(identifier: schema).customers c ON c.id = t.customer
                WHERE t.id = \(ticket) FOR UPDATE OF t
                """
            ).first
        else {
            throw CommandRefused("unknown-ticket", "unknown ticket \(ticket)")
        }
        // A forgotten person's tickets keep their times, but take nothing new.
        guard try !row.decode(Bool.self, column: "forgotten") else {
            throw CommandRefused("customer-forgotten", "ticket \(ticket)'s customer was forgotten")
        }
        guard let status = TicketStatus(rawValue: try row.decode(String.self, column: "status")),
            let priority = TicketPriority(rawValue: try row.decode(String.self, column: "priority")),
            let kind = TicketKind(rawValue: try row.decode(String.self, column: "kind"))
        else { throw PostgresError(code: .protocolViolation, message: "ticket \(ticket) has a status, priority or kind this build does not know") }
        let lines = try row.decode(String?.self, column: "lines").map {
            try MessageCoding.decoder().decode([OrderCommand.ShipmentLine].self, from: Data($0.utf8))
        }
        return Locked(
            id: ticket, customer: try row.decode(Int64.self, column: "customer"), status: status, priority: priority,
            firstResponseAt: try row.decode(Date?.self, column: "first_response_at"), assignee: try row.decode(String?.self, column: "assignee"),
            kind: kind, order: try row.decode(Int64?.self, column: "order_id"), lines: lines,
            repairOutcome: try row.decode(String?.self, column: "repair_outcome").flatMap(RepairOutcome.init(rawValue:)))
    }

    /// How a repair ended (once).
    public func decideRepair(_ ticket: Int64, _ outcome: RepairOutcome, in tx: PostgresTransaction) async throws {
        try await tx.queue("UPDATE \(identifier: schema).tickets SET repair_outcome = \(outcome.rawValue) WHERE id = \(ticket)")
    }

    public func addMessage(_ ticket: Locked, body: String, direction: InteractionDirection, author: String, at: Date, in tx: PostgresTransaction)
        async throws
    {
        let s = schema
        try await tx.queue(
            """
            INSERT INTO \(identifier: s).ticket_messages (ticket, at, direction, author, body)
            VALUES (\(ticket.id), \(at), \(direction.rawValue), \(author), \(body))
            """)
        if direction == .outbound && ticket.firstResponseAt == nil {
            try await tx.queue("UPDATE \(identifier: s).tickets SET first_response_at = \(at), updated_at = now() WHERE id = \(ticket.id)")
        }
    }

    public func assign(_ ticket: Locked, to assignee: String, in tx: PostgresTransaction) async throws {
        try await tx.queue("UPDATE \(identifier: schema).tickets SET assignee = \(assignee), updated_at = now() WHERE id = \(ticket.id)")
    }

    /// Moves the ticket (the caller checked the move); resolving and closing stamp their times.
    public func move(_ ticket: Locked, to next: TicketStatus, actor: String, note: String?, at: Date, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            UPDATE \(identifier: schema).tickets SET status = \(next.rawValue), updated_at = now(),
                resolved_at = CASE WHEN \(next.rawValue) = 'resolved' THEN \(at)::timestamptz ELSE resolved_at END,
                closed_at = CASE WHEN \(next.rawValue) = 'closed' THEN \(at)::timestamptz ELSE closed_at END
            WHERE id = \(ticket.id)
            """)
        try await history(ticket.id, from: ticket.status, to: next, actor: actor, note: note, at: at, in: tx)
    }

    /// Opens a resolved or closed ticket again with new deadlines from `at`; its earlier
    /// responses and breaches stay in its history.
    public func reopen(
        _ ticket: Locked, deadlines: (firstResponse: Date, resolution: Date), actor: String, reason: String, at: Date, in tx: PostgresTransaction
    ) async throws {
        try await tx.queue(
            """
            UPDATE \(identifier: schema).tickets SET status = 'open', first_response_due = \(deadlines.firstResponse),
                resolution_due = \(deadlines.resolution), first_response_at = NULL, resolved_at = NULL, closed_at = NULL,
                first_response_breached_at = NULL, resolution_breached_at = NULL, updated_at = now()
            WHERE id = \(ticket.id)
            """)
        try await history(ticket.id, from: ticket.status, to: .open, actor: actor, note: "reopened: \(reason)", at: at, in: tx)
    }

    func history(_ ticket: Int64, from: TicketStatus?, to: TicketStatus, actor: String, note: String?, at: Date, in tx: PostgresTransaction)
        async throws
    {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).ticket_history (ticket, at, from_status, to_status, actor, note)
            VALUES (\(ticket), \(at), \(from?.rawValue), \(to.rawValue), \(actor), \(note))
            """)
    }

    /// A deadline passed without its response or resolution.
    public struct Breach: Sendable, Equatable {
        public let ticket: Int64
        public let customer: Int64
        public let priority: TicketPriority
        public let deadline: CRMEvent.TicketSLABreached.Deadline
        public let due: Date
        public let assignee: String?
    }

    /// Marks the deadlines due at `now` as breached (at most `limit`), skipping tickets another
    /// instance holds, and returns them. A ticket waiting for its customer breaches nothing
    /// until it is back in our hands (then at once, if overdue).
    public func breachesDue(now: Date, limit: Int, in tx: PostgresTransaction) async throws -> [Breach] {
        let s = schema
        let rows = try await tx.query(
            """
            WITH due AS (
                SELECT id FROM \(identifier: s).tickets
                WHERE status IN ('open', 'in_progress')
                  AND ((first_response_at IS NULL AND first_response_breached_at IS NULL AND first_response_due <= \(now))
                       OR (resolution_breached_at IS NULL AND resolution_due <= \(now)))
                ORDER BY least(first_response_due, resolution_due), id
                LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), before AS (
                SELECT t.* FROM \(identifier: s).tickets t JOIN due ON due.id = t.id
            ), marked AS (
                UPDATE \(identifier: s).tickets t SET
                    first_response_breached_at = CASE WHEN b.first_response_at IS NULL AND b.first_response_breached_at IS NULL
                        AND b.first_response_due <= \(now) THEN \(now)::timestamptz ELSE t.first_response_breached_at END,
                    resolution_breached_at = CASE WHEN b.resolution_breached_at IS NULL AND b.resolution_due <= \(now)
                        THEN \(now)::timestamptz ELSE t.resolution_breached_at END,
                    updated_at = now()
                FROM before b WHERE b.id = t.id
            )
            SELECT b.id, b.customer, b.priority, b.assignee, 'first_response' AS deadline, b.first_response_due AS due FROM before b
            WHERE b.first_response_at IS NULL AND b.first_response_breached_at IS NULL AND b.first_response_due <= \(now)
            UNION ALL
            SELECT b.id, b.customer, b.priority, b.assignee, 'resolution', b.resolution_due FROM before b
            WHERE b.resolution_breached_at IS NULL AND b.resolution_due <= \(now)
            ORDER BY 1, 5
            """)
        return try rows.map { row in
            Breach(
                ticket: try row.decode(Int64.self, column: "id"), customer: try row.decode(Int64.self, column: "customer"),
                priority: TicketPriority(rawValue: try row.decode(String.self, column: "priority")) ?? .normal,
                deadline: CRMEvent.TicketSLABreached.Deadline(rawValue: try row.decode(String.self, column: "deadline")) ?? .resolution,
                due: try row.decode(Date.self, column: "due"), assignee: try row.decode(String?.self, column: "assignee"))
        }
    }
}
