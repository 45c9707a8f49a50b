import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// Customer service tickets through the real broker and database: their states, their
/// deadlines (fired by the ticket timer on a clock the test moves), and bad input.
@Suite(.timeLimit(.minutes(6))) struct TicketTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    static let lifecycleClock = ManualDeadlineClock(start)
    static let slaClock = ManualDeadlineClock(start)

    static func definition(_ clock: ManualDeadlineClock) -> @Sendable (String, String, String) -> ServiceDefinition {
        { schema, queue, exchange in
            CRMService.definition(
                ingest: CRMTest.ingest, schema: schema, queuePrefix: String(queue.dropLast(".commands".count)), commandsExchange: exchange,
                eventsExchange: exchange, ingestExchange: exchange, clock: clock)
        }
    }

    static func customer(_ harness: ServiceHarness, order: Int64) async throws -> Int64 {
        try await CRMTest.placed(CRMTest.order(order, customer: .init(name: "Nia", email: "nia\(order)@example.com")), harness)
        return try #require(try await CRMTest.waitForOrders([order], harness).first)
    }

    @Test(.service("t_crm", definition(lifecycleClock)))
    func aTicketMovesThroughItsStatesEachChangeOnTheTimelineAndBadMovesAreRefused() async throws {
        let harness = try ServiceHarness.required()
        let customer = try await Self.customer(harness, order: 201)
        func send<M: Message>(_ command: M) async throws -> CommandOutcome { try await harness.client.send(command) }
        #expect(try await send(CRMCommand.OpenTicket(customer: 999_999, kind: .enquiry, subject: "?", actor: "amy")).code == "unknown-customer")
        #expect(try await send(CRMCommand.OpenTicket(customer: customer, kind: .enquiry, subject: "  ", actor: "amy")).code == "subject-required")
        #expect(
            try await send(CRMCommand.OpenTicket(customer: customer, kind: .complaint, subject: "late", order: 999, actor: "amy")).code
                == "unknown-order")
        let opened = try await send(CRMCommand.OpenTicket(customer: customer, kind: .complaint, subject: "parcel late", order: 201, actor: "amy"))
        let ticket = try opened.decodeResult(CRMResult.Ticket.self)
        #expect(ticket.status == .open)
        #expect(ticket.firstResponseDue == Self.start + 8 * 3_600, "normal: first response within 8 hours")
        #expect(ticket.resolutionDue == Self.start + 48 * 3_600, "and resolution within 48")

        func status(_ to: TicketStatus, note: String? = nil) async throws -> CommandOutcome {
            try await send(CRMCommand.ChangeTicketStatus(ticket: ticket.ticket, to: to, note: note, actor: "amy"))
        }
        let replied = try await send(CRMCommand.ReplyToTicket(ticket: ticket.ticket, body: "Sorry, we are looking into it", actor: "amy"))
        #expect(try replied.decodeResult(CRMResult.Ticket.self).status == .inProgress, "our first reply takes it into our hands")
        #expect(try await status(.waitingCustomer, note: "asked for a photo").status == .done)
        let customerWrote = try await send(
            CRMCommand.ReplyToTicket(ticket: ticket.ticket, body: "here it is", direction: .inbound, actor: "platform"))
        #expect(try customerWrote.decodeResult(CRMResult.Ticket.self).status == .inProgress, "the customer's answer brings it back")
        #expect(try await status(.open).code == "invalid-transition")
        #expect(try await send(CRMCommand.AssignTicket(ticket: ticket.ticket, assignee: "bo", actor: "amy")).status == .done)
        #expect(try await send(CRMCommand.ReplyToTicket(ticket: ticket.ticket, body: " ", actor: "amy")).code == "reply-required")
        #expect(try await status(.resolved, note: "re-sent").status == .done)
        #expect(try await send(CRMCommand.ReplyToTicket(ticket: ticket.ticket, body: "more", actor: "amy")).code == "ticket-closed")
        #expect(try await send(CRMCommand.ReopenTicket(ticket: ticket.ticket, reason: "  ", actor: "amy")).code == "reason-required")
        Self.lifecycleClock.advance(by: .seconds(3_600))
        let reopened = try await send(CRMCommand.ReopenTicket(ticket: ticket.ticket, reason: "still not here", actor: "amy"))
        #expect(try reopened.decodeResult(CRMResult.Ticket.self).firstResponseDue == Self.start + 9 * 3_600, "new deadlines from the reopening")
        #expect(try await send(CRMCommand.ReopenTicket(ticket: ticket.ticket, reason: "again", actor: "amy")).code == "ticket-open")
        #expect(try await status(.closed).status == .done)
        #expect(try await status(.resolved).code == "invalid-transition", "a closed ticket only reopens")
        #expect(try await send(CRMCommand.AssignTicket(ticket: 999_999, assignee: "bo", actor: "amy")).code == "unknown-ticket")

        let detail = try #require(try await TicketQueries(schema: harness.schema).detail(ticket.ticket, harness.pool))
        let moves = detail.history.map(\.to)
        #expect(moves == ["open", "in_progress", "waiting_customer", "in_progress", "resolved", "open", "closed"])
        #expect(detail.messages.map(\.direction) == ["out", "in"])
        #expect(detail.assignee == "bo")
        let kinds = try #require(try await CRMTest.profile(customer, harness))?.timeline.map(\.kind) ?? []
        #expect(
            kinds.contains("ticket_opened") && kinds.contains("ticket_reply") && kinds.contains("ticket_closed") && kinds.contains("ticket_reopened"))
        let published = try await harness.outboxTypes()
        #expect(published.contains(CRMEvent.TicketOpened.type.rawValue) && published.contains(CRMEvent.TicketChanged.type.rawValue))
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aRepairTicketAsksTheCoordinatorForItsReturnAndItsResolutionSaysHowTheRepairEnded() async throws {
        let harness = try ServiceHarness.required()
        let customer = try await Self.customer(harness, order: 701)
        func open(_ kind: TicketKind, order: Int64? = 701, lines: [OrderCommand.ShipmentLine]?) async throws -> CommandOutcome {
            try await harness.client.send(
                CRMCommand.OpenTicket(customer: customer, kind: kind, subject: "\(kind.rawValue) please", order: order, actor: "tests", lines: lines))
        }
        #expect(try await open(.repair, lines: nil).code == "lines-required")
        #expect(try await open(.resend, order: nil, lines: [.init(line: 1, quantity: 1)]).code == "order-required")
        #expect(try await open(.enquiry, lines: [.init(line: 1, quantity: 1)]).code == "validation")
        #expect(try await open(.repair, lines: [.init(line: 1, quantity: 0)]).code == "validation")
        #expect(try await open(.repair, lines: [.init(line: 1, quantity: 1), .init(line: 1, quantity: 1)]).code == "validation")

        let repair = try await open(.repair, lines: [.init(line: 1, quantity: 1)])
        let ticket = try #require(try repair.decodeResult(CRMResult.Ticket.self)).ticket
        let resend = try await open(.resend, lines: [.init(line: 1, quantity: 1)])
        #expect(resend.status == .done, "\(resend)")
        let asked = try await harness.outboxTypes()
        #expect(asked.contains(SagaRequest.StartRepair.type.rawValue) && asked.contains(SagaRequest.StartResend.type.rawValue))

        func resolve(_ outcome: RepairOutcome?) async throws -> CommandOutcome {
            try await harness.client.send(CRMCommand.ChangeTicketStatus(ticket: ticket, to: .resolved, actor: "tests", repair: outcome))
        }
        #expect(try await resolve(nil).code == "repair-outcome-required")
        #expect(
            try await harness.client.send(CRMCommand.ChangeTicketStatus(ticket: ticket, to: .inProgress, actor: "tests", repair: .repaired)).code
                == "validation")
        #expect(try await resolve(.repaired).status == .done)
        let decided = try await harness.outboxTypes().filter { $0 == CRMEvent.RepairDecided.type.rawValue }
        #expect(decided.count == 1)
        #expect(try await harness.client.send(CRMCommand.ReopenTicket(ticket: ticket, reason: "still broken", actor: "tests")).status == .done)
        #expect(try await resolve(.unrepairable).code == "repair-decided", "a repair is decided once")
        #expect(try await resolve(nil).status == .done, "resolved again without deciding anew")
        let profile = try #require(try await CRMTest.profile(customer, harness))
        let kinds = Set(profile.timeline.map { $0.kind })
        #expect(kinds.isSuperset(of: ["repair_requested", "resend_requested", "repair_decided"]))
    }

    @Test(.service("t_crm", definition(slaClock)))
    func aMissedDeadlineIsAnnouncedOnceAndAWaitingTicketBreachesOnlyWhenItIsBackInOurHands() async throws {
        let harness = try ServiceHarness.required()
        let customer = try await Self.customer(harness, order: 211)
        let urgent = try await harness.client.send(
            CRMCommand.OpenTicket(
                customer: customer, kind: .resend, subject: "parcel lost", order: 211, priority: .urgent, actor: "amy",
                lines: [.init(line: 1, quantity: 1)])
        ).decodeResult(CRMResult.Ticket.self)
        let waiting = try await harness.client.send(
            CRMCommand.OpenTicket(customer: customer, kind: .enquiry, subject: "size?", priority: .urgent, actor: "amy")
        ).decodeResult(CRMResult.Ticket.self)
        #expect(
            try await harness.client.send(CRMCommand.ChangeTicketStatus(ticket: waiting.ticket, to: .waitingCustomer, actor: "amy")).status == .done)
        func breaches(_ ticket: Int64) async throws -> Int {
            try await CRMTest.count(
                "SELECT count(*)::int FROM crm.timeline WHERE kind = 'ticket_sla_breached' AND summary LIKE 'ticket \(ticket) %'", harness)
        }
        Self.slaClock.advance(by: .seconds(61 * 60))
        let first = try await eventually { try await breaches(urgent.ticket) == 1 }
        #expect(first, "an urgent ticket without a response after an hour")
        Self.slaClock.advance(by: .seconds(8 * 3_600))
        let second = try await eventually { try await breaches(urgent.ticket) == 2 }
        #expect(second, "and without resolution after eight")
        #expect(try await breaches(waiting.ticket) == 0, "waiting for the customer: no breach")
        let overdue = try await TicketQueries(schema: harness.schema).list(
            open: true, overdue: true, assignee: nil, now: Self.slaClock.now, limit: 10, harness.pool)
        let listed = overdue.rows.compactMap { $0[0] }
        #expect(listed.contains(String(urgent.ticket)) && listed.contains(String(waiting.ticket)), "both are past their deadlines")
        // Back in our hands: both of its missed deadlines fire at once.
        #expect(
            try await harness.client.send(
                CRMCommand.ReplyToTicket(ticket: waiting.ticket, body: "size M", direction: .inbound, actor: "platform")
            ).status == .done)
        let late = try await eventually { try await breaches(waiting.ticket) == 2 }
        #expect(late)
        // Another timer round or two changes nothing: each breach fires once.
        Self.slaClock.advance(by: .seconds(3_600))
        let marker = try await harness.client.send(
            CRMCommand.OpenTicket(customer: customer, kind: .enquiry, subject: "marker", priority: .urgent, actor: "amy")
        )
        .decodeResult(CRMResult.Ticket.self)
        Self.slaClock.advance(by: .seconds(2 * 3_600))
        let markerFired = try await eventually { try await breaches(marker.ticket) == 1 }
        #expect(markerFired, "the timer went round after the others fired")
        #expect(try await breaches(urgent.ticket) == 2)
        let events = try await harness.outboxTypes().filter { $0 == CRMEvent.TicketSLABreached.type.rawValue }.count
        #expect(events == 5, "2 + 2 + the marker's first response")
    }
}

/// SLA settings from the environment.
struct TicketSLATests {
    @Test func theEnvironmentSetsAPrioritysDeadlinesAndABadValueNamesItsVariable() throws {
        let sla = try TicketSLA(environment: ["ERP_CRM_SLA_URGENT": "30m/4h", "ERP_CRM_SLA_LOW": "2d/10d"])
        let start = Date(timeIntervalSince1970: 0)
        #expect(sla.deadlines(.urgent, from: start) == (start + 1_800, start + 4 * 3_600))
        #expect(sla.deadlines(.low, from: start) == (start + 2 * 86_400, start + 10 * 86_400))
        #expect(sla.deadlines(.high, from: start) == (start + 4 * 3_600, start + 24 * 3_600), "the standard where nothing is set")
        for bad in ["4h", "4h/1h", "0h/1h", "1x/2h", "h/2h", "1h/2h/3h"] {
            #expect(throws: SLAError(variable: "ERP_CRM_SLA_HIGH", value: bad)) { try TicketSLA(environment: ["ERP_CRM_SLA_HIGH": bad]) }
        }
    }
}
