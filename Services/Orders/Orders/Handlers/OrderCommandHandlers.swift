import Contracts
import Foundation
import Messaging

/// Commands that change an existing order: status changes (checked by the state machine),
/// address and shipping method (until it is packed), lines (until it is paid: ``amend(_:_:_:)``), shipments,
/// and the payment finance reports. Every change is recorded and published.
extension OrderHandlers {
    func registerCommands(in registry: inout MessageHandlers) {
        registry.command(OrderCommand.ChangeStatus.self, changeStatus)
        registry.command(OrderCommand.ChangeAddress.self, changeAddress)
        registry.command(OrderCommand.ChangeShippingMethod.self, changeShippingMethod)
        registry.command(OrderCommand.ChangeLine.self, changeLine)
        registry.command(OrderCommand.AddLine.self, addLine)
        registry.command(OrderCommand.Allocate.self, allocate)
        registry.command(OrderCommand.Ship.self) { command, context in try await intake.recordShipment(command, actor: context.envelope.source, context) }
        registry.command(OrderCommand.ReportShipLate.self, reportShipLate)
        registry.command(OrderCommand.Split.self, split)
        registry.command(OrderCommand.UndoSplit.self, undoSplit)
        registry.command(OrderCommand.Merge.self, merge)
        registry.command(OrderCommand.UndoMerge.self, undoMerge)
        registry.command(OrderCommand.RequestReturn.self, requestReturn)
        registry.command(OrderCommand.InspectReturn.self, inspectReturn)
        registry.command(OrderCommand.CompleteReturn.self, completeReturn)
        registry.command(OrderCommand.CancelReturn.self, cancelReturn)
        registry.command(OrderCommand.PlaceReplacement.self, placeReplacement)
        registerAmendments(in: &registry)
        registry.on(FinanceEvent.PaymentReceived.self, paymentReceived)
        registry.on(FinanceEvent.RefundRecorded.self) { refund, context in try await intake.outbound.refunded(refund, context) }
    }

    func locked(_ id: Int64, _ context: HandlerContext) async throws -> OrderStore.Locked {
        guard let order = try await orders.lock(id, in: context.transaction) else { throw CommandRefused("unknown-order", "no order \(id)") }
        return order
    }

    static func refusal(_ error: OrderTransitionError) -> CommandRefused { CommandRefused("illegal-transition", error.description) }

    func changeStatus(_ command: OrderCommand.ChangeStatus, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        guard let target = OrderStatus(rawValue: command.to) else {
            throw CommandRefused("validation", "'\(command.to)' is not a status (\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard target != .shipped, target != .partiallyShipped else {
            throw CommandRefused("validation", "an order becomes \(target.rawValue) by recording its shipments (orders.ship.v1)")
        }
        let reason = command.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw CommandRefused("validation", "a status change needs a reason") }
        let order = try await locked(command.order, context)
        guard order.status.canMove(to: target) else { throw Self.refusal(OrderTransitionError(from: order.status, to: target)) }
        if target == .allocated, try await orders.shippable(order.id, in: context.transaction).isEmpty {
            throw CommandRefused("validation", "an order becomes allocated when its stock is reserved (orders.allocate.v1); order \(order.id) holds no allocation")
        }
        try await intake.move(order.id, from: order.status, to: target, reason: reason, actor: context.envelope.source, order.total, context)
        return OrderCommand.Changed(order: order.id, status: target, total: order.total)
    }

    func changeAddress(_ command: OrderCommand.ChangeAddress, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        guard command.address.country.count == 2, !command.address.line1.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CommandRefused("validation", "an address needs an ISO 3166 country code and a first line")
        }
        let order = try await locked(command.order, context)
        guard order.status.allowsShippingChanges else {
            throw CommandRefused("too-late", "the address of an order that is \(order.status.rawValue) can no longer change")
        }
        try await orders.setAddress(order.id, command.address, in: context.transaction)
        try await publishChange(order.id, what: ["shipping_address"], context)
        return OrderCommand.Changed(order: order.id, status: order.status, total: order.total)
    }

    func changeShippingMethod(_ command: OrderCommand.ChangeShippingMethod, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        guard !command.method.trimmingCharacters(in: .whitespaces).isEmpty else { throw CommandRefused("validation", "the shipping method is empty") }
        let order = try await locked(command.order, context)
        guard order.status.allowsShippingChanges else {
            throw CommandRefused("too-late", "the shipping method of an order that is \(order.status.rawValue) can no longer change")
        }
        try await orders.setShippingMethod(order.id, command.method, in: context.transaction)
        try await publishChange(order.id, what: ["shipping_method"], context)
        return OrderCommand.Changed(order: order.id, status: order.status, total: order.total)
    }

    func changeLine(_ command: OrderCommand.ChangeLine, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        try await amend(command.order, .setQuantity(line: command.line, quantity: command.quantity), context)
    }

    func addLine(_ command: OrderCommand.AddLine, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        try await amend(command.order, .add(sku: command.sku, quantity: command.quantity, unitPrice: command.unitPrice), context)
    }

    /// Records the change and publishes it.
    func publishChange(_ id: Int64, what: [String], _ context: HandlerContext) async throws {
        let snapshot = try await orders.snapshot(id, in: context.transaction)
        try await orders.recordChange(snapshot, what: what, actor: context.envelope.source, in: context.transaction)
        try await context.publish(event: OrderEvent.Changed(snapshot: snapshot, what: what))
    }

    /// Finance recorded a payment: a pending order becomes paid once nothing is owed on it
    /// (an order on hold remembers it).
    func paymentReceived(_ payment: FinanceEvent.PaymentReceived, _ context: HandlerContext) async throws {
        guard let order = try await orders.lock(payment.order, in: context.transaction) else {
            context.logger.warning("payment for an unknown order", metadata: ["order": "\(payment.order)"])
            return
        }
        // Finance knows what is owed (what a split or merge carried over, partial payments);
        // a sender that does not say counts as paid in full.
        if let open = payment.open, open.minorUnits > 0 {
            context.logger.info("order partly paid", metadata: ["order": "\(order.id)", "open": "\(open)"])
            return
        }
        switch order.status {
        case .pendingPayment:
            try await intake.move(
                order.id, from: .pendingPayment, to: .paid, reason: "payment of \(payment.amount) by \(payment.method) recorded by finance",
                actor: "finance", order.total, context)
        case .onHold:
            try await orders.resumeInto(order.id, .paid, in: context.transaction)
        case .cancelled, .split, .merged:
            // Money for an order that will not ship: a person decides (refund, or move it to the new orders).
            try await orders.flag(order.id, "a payment of \(payment.amount) arrived for an order that is \(order.status.rawValue)", in: context.transaction)
        default:
            break  // already paid on the platform, or further along: nothing changes
        }
    }
}
