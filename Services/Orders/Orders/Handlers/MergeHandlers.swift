import Contracts
import Foundation
import Messaging

/// Merging orders into a new one and undoing it (the merge saga's first step and its
/// compensation). The saga moves the reservations and the receivables after this.
extension OrderHandlers {
    func merge(_ command: OrderCommand.Merge, _ context: HandlerContext) async throws -> OrderCommand.MergeResult {
        let reason = command.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw CommandRefused("validation", "a merge needs a reason") }
        guard Set(command.orders).count == command.orders.count else { throw CommandRefused("validation", "an order is named twice") }
        let tx = context.transaction
        var sources: [OrderMerge.Source] = []
        // Locked in id order, so that two merges of overlapping orders cannot deadlock.
        for id in command.orders.sorted() { _ = try await locked(id, context) }
        for id in command.orders {
            let before = try await orders.before(id, in: tx)
            sources.append(
                OrderMerge.Source(
                    snapshot: try await orders.snapshot(id, in: tx),
                    status: before.status == .onHold ? before.heldFrom ?? .pendingPayment : before.status,
                    onHold: before.status == .onHold, shipped: try await orders.hasShipments(id, in: tx)))
        }
        let plan: OrderMerge.Plan
        do { plan = try OrderMerge.plan(sources) } catch { throw CommandRefused("not-mergeable", error.description) }
        let actor = context.envelope.source
        let id = try await orders.createMerged(
            from: command.orders, status: plan.status, lines: plan.lines, origins: plan.origins, shippingFee: plan.shippingFee,
            reason: "merged from orders \(command.orders.map(String.init).joined(separator: ", ")): \(reason)", actor: actor, in: tx)
        for source in sources {
            let from = source.onHold ? OrderStatus.onHold : source.status
            try await orders.link(
                source.snapshot.order, as: .merged, mergedInto: id, reason: "merged into order \(id): \(reason)", actor: actor, in: tx)
            try await context.publish(
                statusChange: OrderEvent.StatusChanged(
                    order: source.snapshot.order, from: from, to: OrderStatus.merged, reason: "merged into order \(id): \(reason)",
                    actor: actor, total: source.snapshot.total))
        }
        let merged = try await orders.snapshot(id, in: tx)
        try await context.publish(event: OrderEvent.MergedInto(merged: merged, sources: command.orders))
        return OrderCommand.MergeResult(merged: merged, sources: command.orders, origins: plan.origins)
    }

    /// Cancels the merged order (it must not have moved on) and restores its sources.
    func undoMerge(_ command: OrderCommand.UndoMerge, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let tx = context.transaction
        let order = try await locked(command.order, context)
        let sources = try await orders.sources(of: order.id, in: tx)
        guard !sources.isEmpty else { throw CommandRefused("not-merged", "no order was merged into order \(order.id)") }
        guard order.status.canMove(to: .cancelled), order.status != .allocated else {
            throw CommandRefused("too-late", "merged order \(order.id) is \(order.status.rawValue) already; the merge stays")
        }
        let actor = context.envelope.source
        try await intake.move(
            order.id, from: order.status, to: .cancelled, reason: "merge undone: \(command.reason)", actor: actor, order.total, context)
        for source in sources {
            let restored = try await orders.unlink(source, reason: "merge undone: \(command.reason)", actor: actor, in: tx)
            let snapshot = try await orders.snapshot(source, in: tx)
            try await context.publish(
                statusChange: OrderEvent.StatusChanged(
                    order: source, from: OrderStatus.merged, to: restored, reason: "merge undone: \(command.reason)", actor: actor,
                    total: snapshot.total))
        }
        return OrderCommand.Changed(order: order.id, status: OrderStatus.cancelled, total: order.total)
    }
}
