import Contracts
import Foundation
import Messaging

/// Customer service tickets: opened, answered, assigned, moved through their states
/// (`TicketStatus.transitions`) and reopened; each change on the customer's timeline.
extension CRMHandlers {
    func openTicket(_ command: CRMCommand.OpenTicket, _ context: HandlerContext) async throws -> CRMResult.Ticket {
        let actor = try CRMRules.actor(command.actor)
        let subject = try CRMRules.text(command.subject, "subject", limit: 200)
        guard let customer = try await store.live(command.customer, in: context.transaction) else {
            throw CommandRefused("unknown-customer", "unknown customer \(command.customer)")
        }
        if try await store.isForgotten(customer, in: context.transaction) {
            throw CommandRefused("customer-forgotten", "customer \(customer) was forgotten")
        }
        if let order = command.order, try await !store.hasOrder(order, of: customer, in: context.transaction) {
            throw CommandRefused("unknown-order", "order \(order) is not one of customer \(customer)'s orders")
        }
        let lines = try Self.afterSalesLines(command)
        let now = clock.now
        let deadlines = sla.deadlines(command.priority, from: now)
        let ticket = try await tickets.open(
            customer: customer, kind: command.kind, subject: subject, order: command.order, priority: command.priority, at: now,
            deadlines: deadlines, actor: actor, message: context.envelope.id, lines: lines, in: context.transaction)
        try await context.publish(
            event: CRMEvent.TicketOpened(
                ticket: ticket, customer: customer, kind: command.kind, priority: command.priority, subject: subject, order: command.order))
        if let order = command.order, let lines {
            try await askForAfterSales(command.kind, ticket: ticket, customer: customer, order: order, lines: lines, subject: subject, context)
        }
        return CRMResult.Ticket(
            ticket: ticket, customer: customer, status: .open, firstResponseDue: deadlines.firstResponse, resolutionDue: deadlines.resolution)
    }

    /// A repair's or a re-send's lines: required for those kinds (on an order), refused for the others.
    static func afterSalesLines(_ command: CRMCommand.OpenTicket) throws -> [OrderCommand.ShipmentLine]? {
        guard command.kind == .repair || command.kind == .resend else {
            guard command.lines?.isEmpty ?? true else {
                throw CommandRefused("validation", "only a repair or a re-send names lines of the order (this is a \(command.kind.rawValue))")
            }
            return nil
        }
        guard command.order != nil else { throw CommandRefused("order-required", "a \(command.kind.rawValue) ticket is about an order: give it") }
        guard let lines = command.lines, !lines.isEmpty else {
            throw CommandRefused("lines-required", "a \(command.kind.rawValue) ticket names the order's lines (and units) it is about")
        }
        guard Set(lines.map(\.line)).count == lines.count else { throw CommandRefused("validation", "a line is named twice") }
        for line in lines where line.line < 1 || !(1...1_000_000).contains(line.quantity) {
            throw CommandRefused("validation", "line \(line.line): \(line.quantity) units (a line from 1, 1 to 1,000,000 units)")
        }
        return lines
    }

    /// A repair's return or a re-send, asked of the saga coordinator (through the outbox, with the ticket).
    func askForAfterSales(
        _ kind: TicketKind, ticket: Int64, customer: Int64, order: Int64, lines: [OrderCommand.ShipmentLine], subject: String,
        _ context: HandlerContext
    ) async throws {
        let reason = "ticket \(ticket): \(subject)"
        let request =
            kind == .repair
            ? try context.envelope.reply(SagaRequest.StartRepair(order: order, lines: lines, ticket: ticket, reason: reason), source: "crm")
            : try context.envelope.reply(SagaRequest.StartResend(order: order, lines: lines, ticket: ticket, reason: reason), source: "crm")
        context.enqueue(request, exchange: commandsExchange)
        let units = lines.map { "line \($0.line) × \($0.quantity)" }.joined(separator: ", ")
        try await store.addToTimeline(
            customer: customer, at: clock.now, kind: kind == .repair ? "repair_requested" : "resend_requested",
            summary: kind == .repair
                ? "ticket \(ticket): repair of order \(order) (\(units)) asked for: the goods come back as return \(SagaRequest.StartRepair.rma(ticket: ticket))"
                : "ticket \(ticket): order \(order) (\(units)) to be sent again, free", order: order, actor: "crm",
            message: context.envelope.id, in: context.transaction)
    }

    /// Our reply is the first response if none came before, and takes an open ticket into
    /// our hands; the customer's message brings a ticket that waited for them back.
    func replyToTicket(_ command: CRMCommand.ReplyToTicket, _ context: HandlerContext) async throws -> CRMResult.Ticket {
        let actor = try CRMRules.actor(command.actor)
        let body = try CRMRules.text(command.body, "reply", limit: 10_000)
        let ticket = try await tickets.lock(command.ticket, in: context.transaction)
        guard ticket.status.isOpen else {
            throw CommandRefused("ticket-closed", "ticket \(ticket.id) is \(ticket.status.rawValue): reopen it to write on it")
        }
        let now = clock.now
        try await tickets.addMessage(ticket, body: body, direction: command.direction, author: actor, at: now, in: context.transaction)
        let next: TicketStatus? =
            switch (command.direction, ticket.status) {
            case (.outbound, .open): .inProgress
            case (.inbound, .waitingCustomer): .inProgress
            default: nil
            }
        let who = command.direction == .outbound ? "replied" : "the customer wrote"
        try await store.addToTimeline(
            customer: ticket.customer, at: now, kind: "ticket_reply", summary: "ticket \(ticket.id): \(who): \(body)",
            channel: "ticket", direction: command.direction.rawValue, actor: actor, message: context.envelope.id, in: context.transaction)
        if let next { try await move(ticket, to: next, actor: actor, note: nil, context) }
        if command.direction == .outbound {
            try await context.publish(event: CRMEvent.TicketReplied(ticket: ticket.id, customer: ticket.customer, body: body, author: actor))
        }
        return CRMResult.Ticket(
            ticket: ticket.id, customer: ticket.customer, status: next ?? ticket.status, firstResponseDue: nil, resolutionDue: nil)
    }

    func assignTicket(_ command: CRMCommand.AssignTicket, _ context: HandlerContext) async throws -> CRMResult.Ticket {
        let actor = try CRMRules.actor(command.actor)
        let assignee = try CRMRules.text(command.assignee, "assignee", limit: 200)
        let ticket = try await tickets.lock(command.ticket, in: context.transaction)
        guard ticket.status.isOpen else { throw CommandRefused("ticket-closed", "ticket \(ticket.id) is \(ticket.status.rawValue)") }
        try await tickets.assign(ticket, to: assignee, in: context.transaction)
        try await store.addToTimeline(
            customer: ticket.customer, at: clock.now, kind: "ticket_assigned", summary: "ticket \(ticket.id) assigned to \(assignee)", actor: actor,
            message: context.envelope.id, in: context.transaction)
        return CRMResult.Ticket(ticket: ticket.id, customer: ticket.customer, status: ticket.status, firstResponseDue: nil, resolutionDue: nil)
    }

    func changeTicketStatus(_ command: CRMCommand.ChangeTicketStatus, _ context: HandlerContext) async throws -> CRMResult.Ticket {
        let actor = try CRMRules.actor(command.actor)
        let note = try command.note.map { try CRMRules.text($0, "note", limit: 2_000) }
        let ticket = try await tickets.lock(command.ticket, in: context.transaction)
        guard ticket.status.canMove(to: command.to) else {
            let allowed = (TicketStatus.transitions[ticket.status] ?? []).map(\.rawValue).sorted()
            throw CommandRefused(
                "invalid-transition",
                "ticket \(ticket.id) cannot go from \(ticket.status.rawValue) to \(command.to.rawValue) (allowed: \(allowed.isEmpty ? "none; reopen it" : allowed.joined(separator: ", ")))"
            )
        }
        try await decideRepair(ticket, command, context)
        try await move(ticket, to: command.to, actor: actor, note: note, context)
        return CRMResult.Ticket(ticket: ticket.id, customer: ticket.customer, status: command.to, firstResponseDue: nil, resolutionDue: nil)
    }

    /// A repair ticket whose goods the coordinator took back is resolved with how the repair
    /// ended (once): the coordinator sends them back repaired, or refunds them.
    func decideRepair(_ ticket: TicketStore.Locked, _ command: CRMCommand.ChangeTicketStatus, _ context: HandlerContext) async throws {
        guard ticket.kind == .repair, let order = ticket.order, ticket.lines != nil else {
            guard command.repair == nil else {
                throw CommandRefused("validation", "ticket \(ticket.id) is not a repair of an order's lines: it has no repair to decide")
            }
            return
        }
        guard command.to == .resolved else {
            guard command.repair == nil else { throw CommandRefused("validation", "a repair is decided when its ticket is resolved") }
            return
        }
        if let decided = ticket.repairOutcome {
            guard command.repair == nil || command.repair == decided else {
                throw CommandRefused("repair-decided", "the repair of ticket \(ticket.id) was decided already: \(decided.rawValue)")
            }
            return
        }
        guard let outcome = command.repair else {
            throw CommandRefused("repair-outcome-required", "resolving repair ticket \(ticket.id) says how it ended: repaired or unrepairable")
        }
        try await tickets.decideRepair(ticket.id, outcome, in: context.transaction)
        try await context.publish(event: CRMEvent.RepairDecided(ticket: ticket.id, order: order, outcome: outcome))
        try await store.addToTimeline(
            customer: ticket.customer, at: clock.now, kind: "repair_decided",
            summary: outcome == .repaired
                ? "ticket \(ticket.id): repaired; the goods go back to the customer free"
                : "ticket \(ticket.id): beyond repair; the goods are refunded",
            order: order, actor: "crm", message: context.envelope.id, in: context.transaction)
    }

    func reopenTicket(_ command: CRMCommand.ReopenTicket, _ context: HandlerContext) async throws -> CRMResult.Ticket {
        let actor = try CRMRules.actor(command.actor)
        let reason = try CRMRules.text(command.reason, "reason", limit: 2_000)
        let ticket = try await tickets.lock(command.ticket, in: context.transaction)
        guard !ticket.status.isOpen else { throw CommandRefused("ticket-open", "ticket \(ticket.id) is still \(ticket.status.rawValue)") }
        let now = clock.now
        let deadlines = sla.deadlines(ticket.priority, from: now)
        try await tickets.reopen(ticket, deadlines: deadlines, actor: actor, reason: reason, at: now, in: context.transaction)
        try await store.addToTimeline(
            customer: ticket.customer, at: now, kind: "ticket_reopened", summary: "ticket \(ticket.id) reopened: \(reason)", actor: actor,
            message: context.envelope.id, in: context.transaction)
        try await context.publish(
            event: CRMEvent.TicketChanged(ticket: ticket.id, customer: ticket.customer, from: ticket.status, to: .open, actor: actor))
        return CRMResult.Ticket(
            ticket: ticket.id, customer: ticket.customer, status: .open, firstResponseDue: deadlines.firstResponse,
            resolutionDue: deadlines.resolution)
    }

    private func move(_ ticket: TicketStore.Locked, to next: TicketStatus, actor: String, note: String?, _ context: HandlerContext) async throws {
        let now = clock.now
        try await tickets.move(ticket, to: next, actor: actor, note: note, at: now, in: context.transaction)
        let noted = note.map { ": \($0)" } ?? ""
        try await store.addToTimeline(
            customer: ticket.customer, at: now, kind: "ticket_\(next.rawValue)",
            summary: "ticket \(ticket.id) \(ticket.status.rawValue) → \(next.rawValue)\(noted)", actor: actor, message: context.envelope.id,
            in: context.transaction)
        try await context.publish(
            event: CRMEvent.TicketChanged(ticket: ticket.id, customer: ticket.customer, from: ticket.status, to: next, actor: actor))
    }
}
