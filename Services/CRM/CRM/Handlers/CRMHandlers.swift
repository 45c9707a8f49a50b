import Contracts
import Foundation
import Messaging
import ServiceKit

/// The CRM's handlers: profiles and purchase history from the orders service's events,
/// the timeline from orders' and finance's events, and the commands of `erpctl crm`.
struct CRMHandlers: Sendable {
    let store: CRMStore
    let tickets: TicketStore
    let surveys: SurveyStore
    let segments: SegmentStore
    let recommendations: RecommendationStore
    /// The shop's currency: customers' monetary value for their segment counts orders in it.
    let currency: Currency
    let sla: TicketSLA
    /// How long after delivery an order's survey is sent.
    let surveyDelay: Duration
    /// The time tickets' deadlines are taken by (the same clock as ``TicketTimer``'s).
    let clock: any DeadlineClock
    let defaultRegion: String
    /// Where commands to other services go (`erp.commands`, or a test's own exchange).
    let commandsExchange: String

    /// Where each CRM message is handled.
    func register(in registry: inout MessageHandlers) {
        registry.on(OrderEvent.Placed.self, orderPlaced)
        registry.on(OrderEvent.Republished.self, orderRepublished)
        registry.on(OrderEvent.SplitInto.self, orderSplit)
        registry.on(OrderEvent.MergedInto.self, ordersMerged)
        registry.on(OrderEvent.StatusChanged.self, orderStatusChanged)
        registry.on(OrderEvent.ReturnCompleted.self, returnCompleted)
        registry.on(OrderEvent.ReplacementPlaced.self, replacementPlaced)
        registry.on(FinanceEvent.RefundRecorded.self, refundRecorded)
        registry.on(FinanceEvent.InvoiceIssued.self, invoiceIssued)
        registry.command(CRMCommand.MergeCustomers.self, mergeCustomers)
        registry.command(CRMCommand.LogInteraction.self, logInteraction)
        registry.command(CRMCommand.SetConsent.self, setConsent)
        registry.command(CRMCommand.ForgetCustomer.self, forgetCustomer)
        // Customer service (Handlers/TicketHandlers.swift; deadlines fired by TicketTimer.swift).
        registry.command(CRMCommand.OpenTicket.self, openTicket)
        registry.command(CRMCommand.ReplyToTicket.self, replyToTicket)
        registry.command(CRMCommand.AssignTicket.self, assignTicket)
        registry.command(CRMCommand.ChangeTicketStatus.self, changeTicketStatus)
        registry.command(CRMCommand.ReopenTicket.self, reopenTicket)
        // Satisfaction surveys (Handlers/SurveyHandlers.swift; sent by SurveyTimer.swift).
        registry.command(CRMCommand.AnswerSurvey.self, answerSurvey)
        // Segments (Handlers/SegmentHandlers.swift; nightly by SegmentTimer.swift).
        registry.command(CRMCommand.RefreshSegments.self, refreshSegments)
        registry.command(CRMCommand.DefineSegment.self, defineSegment)
    }

    /// When a survey of an order delivered now is due.
    var surveyDue: Date { clock.now + TimeInterval(surveyDelay.components.seconds) }

    /// The message types whose events this service consumes (for its queue bindings).
    static let consumedEvents: [MessageType] = [
        OrderEvent.Placed.type, OrderEvent.Republished.type, OrderEvent.SplitInto.type, OrderEvent.MergedInto.type, OrderEvent.StatusChanged.type,
        OrderEvent.ReturnCompleted.type, OrderEvent.ReplacementPlaced.type,
        FinanceEvent.RefundRecorded.type,
        FinanceEvent.InvoiceIssued.type,
    ]

    // MARK: - Orders

    /// The customer of a new order: found by email, phone or platform customer id (or a new
    /// profile), the order added to their purchase history and timeline.
    func orderPlaced(_ event: OrderEvent.Placed, _ context: HandlerContext) async throws {
        let sighting = CustomerSighting.of(event.snapshot, defaultRegion: defaultRegion)
        // Without a key a repeat would make a profile of nothing: an order the CRM has changes nothing.
        let known = try await store.customer(ofOrder: event.snapshot.order, in: context.transaction) != nil
        if sighting.keys.isEmpty, known { return }
        let customer = try await resolve(sighting, context)
        try await store.addOrder(
            event.snapshot, customer: customer, message: context.envelope.id, surveyDue: surveyDue, in: context.transaction)
        // A purchase counts once for recommendations (a split or merge rearranges it, and is not counted again).
        if !known {
            try await recommendations.recordPurchase(
                customer: customer, lines: event.snapshot.lines.map { ($0.sku, $0.quantity) }, at: event.snapshot.placedAt, in: context.transaction)
        }
    }

    /// An order announced again (`erpctl orders republish`): taken like a placing, unless the
    /// CRM has it (its keys were taken when it came; taking them again could make a profile of nothing).
    func orderRepublished(_ event: OrderEvent.Republished, _ context: HandlerContext) async throws {
        guard try await store.customer(ofOrder: event.snapshot.order, in: context.transaction) == nil else {
            // Known: its copy takes the status the order stands at now (unless a later change is
            // on record), which repairs a copy that missed status changes.
            try await store.orderEvent(
                order: event.snapshot.order, at: context.envelope.occurredAt, kind: "order_status", summary: "", status: event.snapshot.status,
                message: context.envelope.id, in: context.transaction, onTimeline: false)
            return
        }
        try await orderPlaced(OrderEvent.Placed(snapshot: event.snapshot), context)
    }

    /// The children of a split take the parent's place on its customer's profile.
    func orderSplit(_ event: OrderEvent.SplitInto, _ context: HandlerContext) async throws {
        let known = try await store.customer(ofOrder: event.parent, in: context.transaction)
        let siblings = event.children.map { String($0.order) }.joined(separator: ", ")
        for child in event.children {
            let customer = if let known { known } else { try await resolve(child, context) }
            try await store.addOrder(
                child, customer: customer, message: context.envelope.id,
                summary: "order \(child.order) (\(child.externalId)) split off order \(event.parent) (with \(siblings)): \(child.total)",
                in: context.transaction)
        }
    }

    /// The order several were merged into takes their place on the customer's profile.
    func ordersMerged(_ event: OrderEvent.MergedInto, _ context: HandlerContext) async throws {
        var customer: Int64?
        for source in event.sources where customer == nil {
            customer = try await store.customer(ofOrder: source, in: context.transaction)
        }
        let merged = event.merged
        let owner = if let customer { customer } else { try await resolve(merged, context) }
        try await store.addOrder(
            merged, customer: owner, message: context.envelope.id,
            summary:
                "order \(merged.order) (\(merged.externalId)) merged from orders \(event.sources.map(String.init).joined(separator: ", ")): \(merged.total)",
            in: context.transaction)
    }

    /// The profile of an order's customer, announcing any merge that finding it caused.
    func resolve(_ order: OrderSnapshot, _ context: HandlerContext) async throws -> Int64 {
        try await resolve(CustomerSighting.of(order, defaultRegion: defaultRegion), context)
    }

    func resolve(_ sighting: CRMStore.Sighting, _ context: HandlerContext) async throws -> Int64 {
        let (customer, merges) = try await store.resolve(sighting, actor: "crm", in: context.transaction)
        for merge in merges {
            try await context.publish(
                event: CRMEvent.CustomerMerged(survivor: merge.survivor, absorbed: merge.absorbed, reason: merge.reason, actor: "crm"))
        }
        return customer
    }

    /// Goods sent free (a repair sent back, a re-send) are not a purchase: the order's copy
    /// says so (it is announced right after its placing, on the same queue).
    func replacementPlaced(_ event: OrderEvent.ReplacementPlaced, _ context: HandlerContext) async throws {
        guard event.kind.free else { return }
        try await store.markFreeReplacement(event.order, of: event.replaces, in: context.transaction)
    }

    /// Every status is kept on the order's copy; those a customer would be told of go on the timeline.
    func orderStatusChanged(_ event: OrderEvent.StatusChanged, _ context: HandlerContext) async throws {
        let summary: String
        switch event.to {
        case .paid: summary = "order \(event.order) paid (\(event.total))"
        case .shipped: summary = "order \(event.order) shipped"
        case .partiallyShipped: summary = "order \(event.order) partly shipped"
        case .delivered: summary = "order \(event.order) delivered"
        case .cancelled: summary = "order \(event.order) cancelled: \(event.reason)"
        case .returnRequested: summary = "return requested for order \(event.order)"
        case .split: summary = "order \(event.order) split into several: \(event.reason)"
        case .merged: summary = "order \(event.order) merged with another: \(event.reason)"
        default:
            try await store.orderEvent(
                order: event.order, at: context.envelope.occurredAt, kind: "order_status", summary: "", status: event.to,
                message: context.envelope.id, in: context.transaction, onTimeline: false)
            return
        }
        try await store.orderEvent(
            order: event.order, at: context.envelope.occurredAt, kind: "order_\(event.to.rawValue)", summary: summary, status: event.to,
            message: context.envelope.id, in: context.transaction)
        if event.to == .delivered { try await surveys.schedule(order: event.order, due: surveyDue, in: context.transaction) }
    }

    func returnCompleted(_ event: OrderEvent.ReturnCompleted, _ context: HandlerContext) async throws {
        let refund = event.refund.map { ", \($0) to refund" } ?? ""
        try await store.orderEvent(
            order: event.order, at: context.envelope.occurredAt, kind: "return_completed",
            summary: "return \(event.rma) (\(event.kind.rawValue)) of order \(event.order) completed\(refund)", status: event.status, returns: 1,
            message: context.envelope.id, in: context.transaction)
    }

    func refundRecorded(_ event: FinanceEvent.RefundRecorded, _ context: HandlerContext) async throws {
        try await store.orderEvent(
            order: event.order, at: context.envelope.occurredAt, kind: "refunded",
            summary: "\(event.amount) refunded on order \(event.order) (\(event.reason), credit note \(event.creditNote))",
            refunded: event.amount.minorUnits, message: context.envelope.id, in: context.transaction)
    }

    func invoiceIssued(_ event: FinanceEvent.InvoiceIssued, _ context: HandlerContext) async throws {
        try await store.orderEvent(
            order: event.order, at: context.envelope.occurredAt, kind: "invoice_issued",
            summary: "invoice \(event.number) issued for order \(event.order): \(event.gross)", message: context.envelope.id,
            in: context.transaction)
    }

    // MARK: - Commands

    func mergeCustomers(_ command: CRMCommand.MergeCustomers, _ context: HandlerContext) async throws -> CRMResult.Merged {
        let reason = try CRMRules.text(command.reason, "reason", limit: 500)
        let actor = try CRMRules.actor(command.actor)
        let stated = "merged by hand: \(reason)"
        try await store.merge(command.customer, into: command.into, reason: stated, actor: actor, in: context.transaction)
        try await context.publish(event: CRMEvent.CustomerMerged(survivor: command.into, absorbed: command.customer, reason: stated, actor: actor))
        return CRMResult.Merged(survivor: command.into, absorbed: command.customer)
    }

    func logInteraction(_ command: CRMCommand.LogInteraction, _ context: HandlerContext) async throws -> CRMResult.Logged {
        let summary = try CRMRules.summary(command.summary)
        let actor = try CRMRules.actor(command.actor)
        guard let customer = try await store.live(command.customer, in: context.transaction) else {
            throw CommandRefused("unknown-customer", "unknown customer \(command.customer)")
        }
        if try await store.isForgotten(customer, in: context.transaction) {
            throw CommandRefused("customer-forgotten", "customer \(customer) was forgotten")
        }
        if let order = command.order, try await !store.hasOrder(order, of: customer, in: context.transaction) {
            throw CommandRefused("unknown-order", "order \(order) is not one of customer \(customer)'s orders")
        }
        let entry = try await store.addToTimeline(
            customer: customer, at: context.envelope.occurredAt, kind: "contact", summary: summary, order: command.order,
            channel: command.channel.rawValue, direction: command.direction.rawValue, actor: actor, message: context.envelope.id,
            in: context.transaction)
        return CRMResult.Logged(entry: entry ?? 0)
    }
}
