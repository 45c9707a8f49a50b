import Contracts
import Foundation
import Messaging

/// Amendments of an order's lines (change-line, add-line, remove-line, a platform
/// revision). A change is checked at once and kept as pending: the order keeps its lines
/// until the saga coordinator has re-reserved the new ones (``OrderCommand/ApplyAmendment``)
/// or refused the change with its reason (``OrderCommand/RefuseAmendment``); once finance
/// reissued the invoice, the payment state follows from what is open
/// (``OrderCommand/SettleAmendment``).
extension OrderHandlers {
    /// An operator's change of lines: checked now, carried through by the coordinator.
    func amend(_ id: Int64, _ change: LineAmendment, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let order = try await locked(id, context)
        guard order.status.allowsLineChanges else {
            throw CommandRefused("too-late", "the lines of an order that is \(order.status.rawValue) can no longer change")
        }
        if case .add(let sku, _, let unitPrice) = change {
            guard unitPrice.currency == order.currency else {
                throw CommandRefused("validation", "the order is in \(order.currency.code), the price in \(unitPrice.currency.code)")
            }
            guard try await orders.skuIsKnown(sku, in: context.transaction) else {
                throw CommandRefused("unknown-sku", "the catalog has no active SKU \(sku)")
            }
        }
        let snapshot = try await orders.snapshot(order.id, in: context.transaction)
        do {
            let lines = try change.apply(to: snapshot.lines)
            let (amendment, total) = try await intake.requestAmendment(
                snapshot, lines: lines, what: change.describe(snapshot.lines), actor: context.envelope.source, thenPaid: false, context)
            return OrderCommand.Changed(order: order.id, status: order.status, total: total, amendment: amendment)
        } catch let problem as LineAmendment.Problem {
            throw CommandRefused(problem.code, "order \(order.id): \(problem.description)")
        }
    }

    func applyAmendment(_ command: OrderCommand.ApplyAmendment, _ context: HandlerContext) async throws -> OrderCommand.AmendmentApplied {
        let tx = context.transaction
        let order = try await locked(command.order, context)
        guard let amendment = try await orders.amendment(command.amendment, order: order.id, in: tx) else {
            throw CommandRefused("unknown-amendment", "order \(order.id) has no amendment \(command.amendment)")
        }
        switch amendment.status {
        case "applied": return OrderCommand.AmendmentApplied(snapshot: try await orders.snapshot(order.id, in: tx))  // a repeat
        case "pending": break
        default: throw CommandRefused("refused", "amendment \(amendment.id) of order \(order.id) was refused: \(amendment.reason ?? "-")")
        }
        guard order.status != .cancelled else { throw CommandRefused("order-cancelled", "order \(order.id) was cancelled while the change waited") }
        guard order.status.allowsLineChanges else {
            throw CommandRefused(
                "too-late", "order \(order.id) became \(order.status.rawValue) while the change waited; its lines can no longer change")
        }
        try await orders.applyLines(order.id, amendment.lines, in: tx)
        try await orders.decideAmendment(amendment.id, status: "applied", reason: nil, in: tx)
        let snapshot = try await orders.snapshot(order.id, in: tx)
        try await orders.recordChange(snapshot, what: ["lines"], actor: amendment.actor, in: tx)
        try await context.publish(event: OrderEvent.Changed(snapshot: snapshot, what: ["lines"]))
        return OrderCommand.AmendmentApplied(snapshot: snapshot)
    }

    func refuseAmendment(_ command: OrderCommand.RefuseAmendment, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let tx = context.transaction
        let order = try await locked(command.order, context)
        guard let amendment = try await orders.amendment(command.amendment, order: order.id, in: tx) else {
            throw CommandRefused("unknown-amendment", "order \(order.id) has no amendment \(command.amendment)")
        }
        let answer = OrderCommand.Changed(order: order.id, status: order.status, total: order.total, amendment: amendment.id)
        guard amendment.status == "pending" else { return answer }  // decided before (a repeat)
        let reason = "change refused (\(amendment.what)): \(command.reason)"
        try await orders.decideAmendment(amendment.id, status: "refused", reason: command.reason, in: tx)
        try await orders.flag(order.id, reason, in: tx)
        try await context.publish(event: OrderEvent.AmendmentRefused(order: order.id, amendment: amendment.id, reason: command.reason))
        try await context.publish(event: OrderEvent.NeedsAttention(order: order.id, reason: reason))
        return answer
    }

    /// What is open after the invoice was reissued decides the payment state.
    func settleAmendment(_ command: OrderCommand.SettleAmendment, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let tx = context.transaction
        let order = try await locked(command.order, context)
        guard let amendment = try await orders.amendment(command.amendment, order: order.id, in: tx), amendment.status == "applied" else {
            throw CommandRefused("unknown-amendment", "order \(order.id) has no applied amendment \(command.amendment)")
        }
        try await orders.settleAmendment(amendment.id, open: command.open, invoice: command.invoice, in: tx)
        // Paid on the platform (the revision said so), or nothing left to pay.
        let paid = amendment.thenPaid || command.open.minorUnits <= 0
        var status = order.status
        switch order.status {
        case .pendingPayment where paid:
            let reason = amendment.thenPaid ? "paid on the platform (amended)" : "the amended order is covered by what was paid"
            try await intake.move(order.id, from: .pendingPayment, to: .paid, reason: reason, actor: amendment.actor, order.total, context)
            status = .paid
        case .onHold:
            let from = try await orders.heldFrom(order.id, in: tx)
            if from == .paid || from == .pendingPayment { try await orders.resumeInto(order.id, paid ? .paid : .pendingPayment, in: tx) }
        default:
            break
        }
        return OrderCommand.Changed(order: order.id, status: status, total: order.total, amendment: amendment.id)
    }
}

extension Intake {
    /// Keeps a change of `order`'s lines as pending and announces it; returns its number and
    /// the order's total with the new lines. One change waits at a time; an order of which
    /// a part has shipped keeps its lines.
    func requestAmendment(
        _ order: OrderSnapshot, lines: [OrderSnapshot.Line], what: String, actor: String, thenPaid: Bool, _ context: HandlerContext
    ) async throws -> (Int64, Money) {
        let tx = context.transaction
        if let pending = try await orders.pendingAmendment(order.order, in: tx) {
            throw LineAmendment.Problem(
                "busy", "amendment \(pending) of order \(order.order) is still being carried through; change it again once it is done")
        }
        guard try await !orders.hasShipments(order.order, in: tx) else {
            throw LineAmendment.Problem("too-late", "part of order \(order.order) has shipped; its lines can no longer change")
        }
        let total = try LineAmendment.total(lines, shippingFee: order.shippingFee)
        let id = try await orders.requestAmendment(
            order.order, what: what, actor: actor, lines: lines, previous: order.lines, total: total, previousTotal: order.total, thenPaid: thenPaid,
            in: tx)
        try await context.publish(
            event: OrderEvent.AmendmentRequested(
                order: order.order, amendment: id, what: what, lines: lines, previous: order.lines, total: total,
                region: order.shippingAddress?.province))
        return (id, total)
    }
}
