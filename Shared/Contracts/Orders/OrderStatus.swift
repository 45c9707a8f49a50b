/// The states of an order and the transitions between them. Pure: the orders service asks
/// it before every change of state and records the answer in the status history.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pendingPayment = "pending_payment"
    case paid
    case allocated
    /// Some of its lines have shipped; the rest are still reserved.
    case partiallyShipped = "partially_shipped"
    case shipped
    case delivered
    case completed
    case cancelled
    case onHold = "on_hold"
    /// Replaced by its children (saga coordinator).
    case split
    /// Merged into another order (saga coordinator).
    case merged
    case returnRequested = "return_requested"
    /// Some of its units came back (or were refunded); more may.
    case partiallyReturned = "partially_returned"
    case returned

    /// The states each state may move to.
    public static let transitions: [OrderStatus: Set<OrderStatus>] = [
        .pendingPayment: [.paid, .cancelled, .onHold, .split, .merged],
        .paid: [.allocated, .cancelled, .onHold, .split, .merged],
        .allocated: [.partiallyShipped, .shipped, .cancelled, .onHold, .split],
        .partiallyShipped: [.shipped],
        .shipped: [.delivered, .returnRequested],
        .delivered: [.completed, .returnRequested],
        .completed: [.returnRequested],
        .onHold: [.pendingPayment, .paid, .allocated, .cancelled, .split, .merged],
        .returnRequested: [.returned, .partiallyReturned, .delivered, .completed],
        .partiallyReturned: [.returnRequested],
        .returned: [.completed],
        .cancelled: [],
        .split: [],
        .merged: [],
    ]

    public var isFinal: Bool { Self.transitions[self, default: []].isEmpty }

    public func canMove(to next: OrderStatus) -> Bool { Self.transitions[self, default: []].contains(next) }

    /// The state `next`, or why the order cannot go there.
    public func moving(to next: OrderStatus) throws(OrderTransitionError) -> OrderStatus {
        guard canMove(to: next) else { throw OrderTransitionError(from: self, to: next) }
        return next
    }

    /// States in which the shipping address and method may still change (nothing is packed yet).
    public var allowsShippingChanges: Bool { [.pendingPayment, .paid, .onHold].contains(self) }
    /// States in which lines may be added, removed or change quantity (nothing is paid or reserved yet).
    public var allowsLineChanges: Bool { [.pendingPayment, .onHold].contains(self) }
}

public struct OrderTransitionError: Error, Equatable, CustomStringConvertible {
    public let from: OrderStatus
    public let to: OrderStatus
    public init(from: OrderStatus, to: OrderStatus) { (self.from, self.to) = (from, to) }
    public var description: String {
        let allowed = OrderStatus.transitions[from, default: []].map(\.rawValue).sorted()
        return "an order that is \(from.rawValue) cannot become \(to.rawValue)"
            + (allowed.isEmpty ? " (it is final)" : " (it can become \(allowed.joined(separator: ", ")))")
    }
}

/// What the platform says of an order's payment (canonical `payment.status`).
public enum PaymentStatus: String, Sendable, Codable, CaseIterable {
    case pending, paid, refunded
}
