import Contracts
import Foundation
import Messaging

/// What finance tells the orders service: a payment (the order becomes paid once nothing
/// is owed) and a refund (told back to the order's platform).
extension OrderHandlers {
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
            try await orders.flag(
                order.id, "a payment of \(payment.amount) arrived for an order that is \(order.status.rawValue)", in: context.transaction)
        default:
            break  // already paid on the platform, or further along: nothing changes
        }
    }
}
