import Contracts
import Foundation
import Messaging
import Postgres

/// Returns (RMA): approve or refuse a request, record the inspection of what came back,
/// close the return, or cancel it before the goods came back. The return saga drives them.
extension OrderHandlers {
    func requestReturn(_ command: OrderCommand.RequestReturn, _ context: HandlerContext) async throws -> OrderCommand.ReturnApproved {
        let reason = command.reason.trimmingCharacters(in: .whitespaces)
        guard !reason.isEmpty else { throw CommandRefused("validation", "a return needs a reason") }
        guard !command.rma.trimmingCharacters(in: .whitespaces).isEmpty else { throw CommandRefused("validation", "a return needs an RMA number") }
        guard !command.lines.isEmpty else { throw CommandRefused("validation", "a return names at least one line") }
        guard Set(command.lines.map(\.line)).count == command.lines.count else { throw CommandRefused("validation", "a line appears twice") }
        let tx = context.transaction
        let order = try await locked(command.order, context)
        guard [.completed, .partiallyReturned].contains(order.status) else {
            throw CommandRefused(
                "not-returnable", "order \(order.id) is \(order.status.rawValue): returns are for delivered orders (completed or partially returned)")
        }
        // A repair is the seller's warranty: no return window, final sales included.
        if command.kind != .repair, let shippedAt = try await orders.lastShipment(order.id, in: tx),
            !returnPolicy.inWindow(shippedAt: shippedAt, now: Date())
        {
            throw CommandRefused("out-of-window", "order \(order.id) shipped more than \(returnPolicy.windowDays) days ago")
        }
        let lines = try await orders.returnableLines(order.id, currency: order.currency, in: tx)
        var approved: [OrderCommand.ReturnLine] = []
        for wanted in command.lines {
            guard let line = lines[wanted.line] else { throw CommandRefused("unknown-line", "order \(order.id) has no line \(wanted.line)") }
            guard line.returnable || command.kind == .repair else {
                throw CommandRefused("not-returnable", "\(line.sku) (line \(line.line)) is a final sale: it cannot be returned")
            }
            let left = line.shipped - line.returned
            guard wanted.quantity > 0, wanted.quantity <= left else {
                throw CommandRefused("validation", "line \(line.line): \(wanted.quantity) to return, \(left) shipped and not returned yet")
            }
            let refund = try ReturnPolicy.refund(lineTotal: line.total, ordered: line.ordered, before: line.returned, quantity: wanted.quantity)
            approved.append(
                .init(
                    line: line.line, sku: line.sku, quantity: wanted.quantity,
                    // A repair carries what it would refund: paid only if the goods cannot be repaired.
                    refund: command.kind.refunds || command.kind == .repair ? refund : Money(minorUnits: 0, currency: order.currency)))
        }
        if let replacements = command.replacements { _ = try await replacementLines(replacements, currency: order.currency, tx) }
        let result = OrderCommand.ReturnApproved(
            rma: command.rma, order: order.id, lines: approved,
            refund: Money(minorUnits: approved.reduce(0) { $0 + $1.refund.minorUnits }, currency: order.currency))
        guard try await orders.addReturn(result, kind: command.kind, reason: reason, previous: order.status, in: tx) else {
            throw CommandRefused("duplicate-rma", "return \(command.rma) exists")
        }
        try await intake.move(
            order.id, from: order.status, to: .returnRequested, reason: "return \(command.rma) (\(command.kind.rawValue)): \(reason)",
            actor: context.envelope.source, order.total, context)
        return result
    }

    func inspectReturn(_ command: OrderCommand.InspectReturn, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let tx = context.transaction
        guard let entry = try await orders.returnEntry(command.rma, in: tx) else { throw CommandRefused("unknown-rma", "no return \(command.rma)") }
        guard entry.kind.goodsComeBack else { throw CommandRefused("validation", "return \(command.rma) is a refund only: no goods come back") }
        guard entry.status == "approved" else { throw CommandRefused("not-open", "return \(command.rma) is \(entry.status)") }
        var received: [Int: Int] = [:]
        for item in command.items {
            guard let line = entry.lines[item.line] else { throw CommandRefused("unknown-line", "return \(command.rma) has no line \(item.line)") }
            guard item.quantity > 0 else { throw CommandRefused("validation", "line \(item.line): \(item.quantity) units (at least 1)") }
            received[item.line, default: 0] += item.quantity
            guard received[item.line]! <= line.quantity else {
                throw CommandRefused("validation", "line \(item.line): \(received[item.line]!) units inspected, \(line.quantity) in the return")
            }
        }
        if let short = entry.lines.first(where: { received[$0.key] != $0.value.quantity }) {
            throw CommandRefused(
                "validation",
                "line \(short.key): \(received[short.key] ?? 0) of \(short.value.quantity) units inspected; inspect every unit of the return")
        }
        try await orders.inspect(command.rma, command.items, in: tx)
        try await context.publish(
            event: OrderEvent.ReturnInspected(
                rma: command.rma, order: entry.order,
                items: command.items.map { .init(line: $0.line, sku: entry.lines[$0.line]!.sku, quantity: $0.quantity, condition: $0.condition) }))
        let order = try await locked(entry.order, context)
        return OrderCommand.Changed(order: order.id, status: order.status, total: order.total)
    }

    func completeReturn(_ command: OrderCommand.CompleteReturn, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let tx = context.transaction
        guard let entry = try await orders.returnEntry(command.rma, in: tx) else { throw CommandRefused("unknown-rma", "no return \(command.rma)") }
        let order = try await locked(entry.order, context)
        guard entry.status == (entry.kind.goodsComeBack ? "inspected" : "approved") else {
            throw CommandRefused(
                "not-open", "return \(command.rma) is \(entry.status)\(entry.kind.goodsComeBack ? " (its goods must be inspected first)" : "")")
        }
        if command.repaired == true {
            guard entry.kind == .repair else { throw CommandRefused("validation", "return \(command.rma) is a \(entry.kind.rawValue), not a repair") }
            try await orders.setReturnStatus(command.rma, "repaired", in: tx)
            try await intake.move(
                order.id, from: order.status, to: entry.previousStatus, reason: "return \(command.rma) repaired and sent back",
                actor: context.envelope.source, order.total, context)
            return OrderCommand.Changed(order: order.id, status: entry.previousStatus, total: order.total)
        }
        try await orders.setReturnStatus(command.rma, "completed", in: tx)
        let status: OrderStatus = try await orders.everythingReturned(order.id, in: tx) ? .returned : .partiallyReturned
        try await intake.move(
            order.id, from: order.status, to: status, reason: "return \(command.rma) completed", actor: context.envelope.source, order.total, context)
        try await context.publish(
            event: OrderEvent.ReturnCompleted(
                rma: command.rma, order: order.id, kind: entry.kind,
                refund: entry.kind.refunds ? Money(minorUnits: entry.refund, currency: order.currency) : nil, status: status))
        return OrderCommand.Changed(order: order.id, status: status, total: order.total)
    }

    func cancelReturn(_ command: OrderCommand.CancelReturn, _ context: HandlerContext) async throws -> OrderCommand.Changed {
        let tx = context.transaction
        guard let entry = try await orders.returnEntry(command.rma, in: tx) else { throw CommandRefused("unknown-rma", "no return \(command.rma)") }
        let order = try await locked(entry.order, context)
        guard entry.status == "approved" else {
            throw CommandRefused("too-late", "return \(command.rma) is \(entry.status): its goods came back, it can no longer be cancelled")
        }
        try await orders.setReturnStatus(command.rma, "cancelled", in: tx)
        try await intake.move(
            order.id, from: order.status, to: entry.previousStatus, reason: "return \(command.rma) cancelled: \(command.reason)",
            actor: context.envelope.source, order.total, context)
        return OrderCommand.Changed(order: order.id, status: entry.previousStatus, total: order.total)
    }

    /// The lines of a replacement order at catalog prices; refused if a SKU is unknown,
    /// inactive or not priced in the order's currency.
    func replacementLines(_ replacements: [ReplacementLine], currency: Currency, _ tx: PostgresTransaction) async throws -> [OrderSnapshot.Line] {
        guard !replacements.isEmpty else { throw CommandRefused("validation", "an exchange names at least one replacement") }
        let prices = try await orders.prices(replacements.map(\.sku), in: tx)
        return try replacements.enumerated().map { index, replacement in
            guard (1...IntakeLimits.quantity).contains(replacement.quantity) else {
                throw CommandRefused("validation", "replacement \(replacement.sku): \(replacement.quantity) units (1 to \(IntakeLimits.quantity))")
            }
            guard let price = prices[replacement.sku], price.currency == currency else {
                throw CommandRefused("unknown-sku", "replacement \(replacement.sku) is not an active SKU with a price in \(currency.code)")
            }
            guard let total = try? price.times(replacement.quantity), total.minorUnits <= IntakeLimits.amountMinorUnits else {
                throw CommandRefused("validation", "replacement \(replacement.sku): \(replacement.quantity) units at \(price) is out of range")
            }
            return OrderSnapshot.Line(
                line: index + 1, sku: replacement.sku, quantity: replacement.quantity, unitPrice: price,
                discount: Money(minorUnits: 0, currency: currency),
                total: total)
        }
    }

    /// A replacement order (the same one if placed before for this reference): an exchange's
    /// SKUs at catalog prices, waiting for payment; or, free and paid, the same SKUs as lines
    /// of the order, for a repair's return (`rma` is the return) or a re-send (`rma` is the
    /// re-send's own reference; the order must have shipped).
    func placeReplacement(_ command: OrderCommand.PlaceReplacement, _ context: HandlerContext) async throws -> OrderSnapshot {
        let tx = context.transaction
        if let existing = try await orders.replacement(rma: command.rma, in: tx) { return try await orders.snapshot(existing, in: tx) }
        let kind = command.kind ?? .exchange
        if kind != .resend {
            guard let entry = try await orders.returnEntry(command.rma, in: tx), entry.order == command.order else {
                throw CommandRefused("unknown-rma", "order \(command.order) has no return \(command.rma)")
            }
        }
        let original = try await locked(command.order, context)
        let lines: [OrderSnapshot.Line]
        let reason: String
        switch kind {
        case .exchange:
            lines = try await replacementLines(command.lines, currency: original.currency, tx)
            reason = "exchange for return \(command.rma) of order \(original.id)"
        case .repair, .resend:
            let shipped: Set<OrderStatus> = [.shipped, .partiallyShipped, .delivered, .completed, .partiallyReturned, .returnRequested]
            guard kind == .repair || shipped.contains(original.status) else {
                throw CommandRefused(
                    "not-shipped", "order \(original.id) is \(original.status.rawValue): only goods that were sent can be sent again")
            }
            lines = try Self.freeLines(command.originalLines ?? [], of: try await orders.snapshot(original.id, in: tx))
            reason =
                kind == .repair ? "repaired goods of return \(command.rma) of order \(original.id)" : "re-send \(command.rma) of order \(original.id)"
        }
        let id = try await orders.createReplacement(
            for: original.id, rma: command.rma, lines: lines, free: kind.free, reason: reason, actor: context.envelope.source, in: tx)
        let snapshot = try await orders.snapshot(id, in: tx)
        try await context.publish(event: OrderEvent.Placed(snapshot: snapshot))
        try await context.publish(event: OrderEvent.ReplacementPlaced(order: id, replaces: original.id, kind: kind, reference: command.rma))
        return snapshot
    }

    /// The order's lines sent again at price 0: each named once, no more units than it has.
    static func freeLines(_ wanted: [OrderCommand.ShipmentLine], of order: OrderSnapshot) throws -> [OrderSnapshot.Line] {
        guard !wanted.isEmpty else { throw CommandRefused("validation", "name the lines of order \(order.order) to send again") }
        guard Set(wanted.map(\.line)).count == wanted.count else { throw CommandRefused("validation", "a line is named twice") }
        let zero = Money(minorUnits: 0, currency: order.total.currency)
        return try wanted.enumerated().map { index, entry in
            guard let line = order.lines.first(where: { $0.line == entry.line }) else {
                throw CommandRefused("unknown-line", "order \(order.order) has no line \(entry.line)")
            }
            guard (1...line.quantity).contains(entry.quantity) else {
                throw CommandRefused("validation", "line \(entry.line) has \(line.quantity) units; \(entry.quantity) cannot be sent again")
            }
            return OrderSnapshot.Line(line: index + 1, sku: line.sku, quantity: entry.quantity, unitPrice: zero, discount: zero, total: zero)
        }
    }
}
