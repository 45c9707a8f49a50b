import Foundation

extension OrderCommand {
    /// Splits an unshipped order into child orders, one per part. A part names lines of the
    /// parent and how many units of each it takes; what no part names becomes one more child,
    /// so `[[line 2 × 1]]` splits line 2's unit off the rest. Children get their share of
    /// discounts and the shipping fee (largest remainder: the shares sum exactly to the
    /// parent); the parent becomes `split`. Sent by the split saga, which also moves the
    /// reservations and the receivable.
    public struct Split: Message, Equatable {
        public static let type: MessageType = "orders.split.v1"
        public var order: Int64
        public var parts: [[ShipmentLine]]
        public var reason: String
        public init(order: Int64, parts: [[ShipmentLine]], reason: String) { (self.order, self.parts, self.reason) = (order, parts, reason) }
    }

    /// The children of a split (each line keeps the parent's line number).
    public struct SplitResult: Codable, Sendable, Equatable {
        public var parent: Int64
        public var previousStatus: String
        public var children: [OrderSnapshot]
        public init(parent: Int64, previousStatus: String, children: [OrderSnapshot]) {
            (self.parent, self.previousStatus, self.children) = (parent, previousStatus, children)
        }
    }

    /// Undoes a split (its compensation): the children are cancelled and the parent gets
    /// its state from before the split back.
    public struct UndoSplit: Message, Equatable {
        public static let type: MessageType = "orders.undo_split.v1"
        public var order: Int64
        public var reason: String
        public init(order: Int64, reason: String) { (self.order, self.reason) = (order, reason) }
    }
}

extension OrderEvent {
    /// An order was split into children (which take its place: they were not `placed`).
    public struct SplitInto: Message, Equatable {
        public static let type: MessageType = "orders.order.split.v1"
        public var parent: Int64
        public var children: [OrderSnapshot]
        public init(parent: Int64, children: [OrderSnapshot]) { (self.parent, self.children) = (parent, children) }
    }
}
