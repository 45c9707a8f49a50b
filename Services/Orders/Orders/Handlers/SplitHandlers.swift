import Contracts
import Foundation
import Messaging

/// Splitting an order into children and undoing it (the split saga's first step and its
/// compensation). The saga moves the reservations and the receivable after this.
extension OrderHandlers {
    func split(_ command: OrderCommand.Split, _ context: HandlerContext) async throws -> OrderCommand.SplitResult {
        let reason = command.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw CommandRefused("validation", "a split needs a reason") }
        let tx = context.transaction
        let order = try await locked(command.order, context)
        guard order.status.canMove(to: .split) else { throw Self.refusal(OrderTransitionError(from: order.status, to: .split)) }
        guard try await !orders.hasShipments(order.id, in: tx) else {
            throw CommandRefused("too-late", "order \(order.id) has shipped in part; only an unshipped order splits")
        }
        let parent = try await orders.snapshot(order.id, in: tx)
        let children: [OrderSplit.Child]
        do {
            children = try OrderSplit.children(
                of: parent.lines, shippingFee: parent.shippingFee, parts: try OrderSplit.parts(command.parts, of: parent.lines))
        } catch let problem as OrderSplit.Problem {
            throw CommandRefused("validation", "order \(order.id): \(problem.description)")
        }
        let before = try await orders.before(order.id, in: tx)
        // Children of an allocated order are allocated again by their own fulfilment; those of
        // an order on hold start as it would have resumed.
        let childStatus: OrderStatus =
            switch before.status {
            case .allocated: .paid
            case .onHold: before.heldFrom ?? .pendingPayment
            default: before.status
            }
        let actor = context.envelope.source
        try await orders.link(order.id, as: .split, reason: "split into \(children.count): \(reason)", actor: actor, in: tx)
        try await context.publish(
            statusChange: OrderEvent.StatusChanged(
                order: order.id, from: before.status, to: OrderStatus.split, reason: reason, actor: actor, total: order.total))
        var snapshots: [OrderSnapshot] = []
        for child in children {
            let id = try await orders.createChild(
                of: order.id, status: childStatus, lines: child.lines, shippingFee: child.shippingFee,
                reason: "split from order \(order.id): \(reason)",
                actor: actor, in: tx)
            snapshots.append(try await orders.snapshot(id, in: tx))
        }
        try await context.publish(event: OrderEvent.SplitInto(parent: order.id, children: snapshots))
        return OrderCommand.SplitResult(parent: order.id, previousStatus: before.status.rawValue, children: snapshots)
    }

    /// Cancels the children (none may have moved on) and restores the parent.
    func undoSplit(_ command: OrderCommand.UndoSplit, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let tx = context.transaction
        let order = try await locked(command.order, context)
        guard order.status == .split else { throw CommandRefused("not-split", "order \(order.id) is \(order.status.rawValue), not split") }
        let children = try await orders.children(of: order.id, in: tx)
        if let moved = children.first(where: { !$0.status.canMove(to: .cancelled) || $0.status == .allocated }) {
            throw CommandRefused("too-late", "child order \(moved.id) is \(moved.status.rawValue) already; the split stays")
        }
        let actor = context.envelope.source
        for child in children {
            let snapshot = try await orders.snapshot(child.id, in: tx)
            try await intake.move(
                child.id, from: child.status, to: .cancelled, reason: "split of order \(order.id) undone: \(command.reason)", actor: actor,
                snapshot.total, context)
        }
        let restored = try await orders.unlink(order.id, reason: "split undone: \(command.reason)", actor: actor, in: tx)
        try await context.publish(
            statusChange: OrderEvent.StatusChanged(
                order: order.id, from: OrderStatus.split, to: restored, reason: "split undone: \(command.reason)", actor: actor,
                total: order.total))
        return OrderCommand.Changed(order: order.id, status: restored, total: order.total)
    }
}
