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
        let now = clock.now
        let deadlines = sla.deadlines(command.priority, from: now)
        let ticket = try await tickets.open(
            customer: customer, kind: command.kind, subject: subject, order: command.order, priority: command.priority, at: now,
            deadlines: deadlines, actor: actor, message: context.envelope.id, in: context.transaction)
        try await context.publish(
            event: CRMEvent.TicketOpened(
                ticket: ticket, customer: customer, kind: command.kind, priority: command.priority, subject: subject, order: command.order))
        return CRMResult.Ticket(
            ticket: ticket, customer: customer, status: .open, firstResponseDue: deadlines.firstResponse, resolutionDue: deadlines.resolution)
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
        try await move(ticket, to: command.to, actor: actor, note: note, context)
        return CRMResult.Ticket(ticket: ticket.id, customer: ticket.customer, status: command.to, firstResponseDue: nil, resolutionDue: nil)
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
