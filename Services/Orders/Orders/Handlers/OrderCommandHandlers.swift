import Contracts
import Foundation
import Messaging

/// Commands that change an existing order: status changes (checked by the state machine),
/// address and shipping method (until it is packed), lines (until it is paid; carried
/// through as amendments, `Amendments.swift`). Every change is recorded and published. The
/// list of every handler is in `OrdersService.swift`.
extension OrderHandlers {
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
            throw CommandRefused(
                "validation", "an order becomes allocated when its stock is reserved (orders.allocate.v1); order \(order.id) holds no allocation")
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
}
