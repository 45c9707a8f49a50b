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

extension OrderCommand {
    /// Merges unshipped orders of the same customer, shop, shipping address and currency
    /// into a new order (lines in the order given, renumbered; shipping fees added); the
    /// sources become `merged` with a link to it. Sent by the merge saga, which also moves
    /// the reservations and the receivables.
    public struct Merge: Message, Equatable {
        public static let type: MessageType = "orders.merge.v1"
        public var orders: [Int64]
        public var reason: String
        public init(orders: [Int64], reason: String) { (self.orders, self.reason) = (orders, reason) }
    }

    /// Where each line of a merged order came from.
    public struct LineOrigin: Codable, Sendable, Equatable {
        public var line: Int
        public var fromOrder: Int64
        public var fromLine: Int
        public init(line: Int, fromOrder: Int64, fromLine: Int) { (self.line, self.fromOrder, self.fromLine) = (line, fromOrder, fromLine) }
    }

    public struct MergeResult: Codable, Sendable, Equatable {
        public var merged: OrderSnapshot
        public var sources: [Int64]
        public var origins: [LineOrigin]
        public init(merged: OrderSnapshot, sources: [Int64], origins: [LineOrigin]) {
            (self.merged, self.sources, self.origins) = (merged, sources, origins)
        }
    }

    /// Undoes a merge (its compensation): the merged order is cancelled and each source
    /// gets its state from before back.
    public struct UndoMerge: Message, Equatable {
        public static let type: MessageType = "orders.undo_merge.v1"
        public var order: Int64
        public var reason: String
        public init(order: Int64, reason: String) { (self.order, self.reason) = (order, reason) }
    }
}

extension OrderEvent {
    /// Orders were merged into a new one (which takes their place: it was not `placed`).
    public struct MergedInto: Message, Equatable {
        public static let type: MessageType = "orders.order.merged.v1"
        public var merged: OrderSnapshot
        public var sources: [Int64]
        public init(merged: OrderSnapshot, sources: [Int64]) { (self.merged, self.sources) = (merged, sources) }
    }
}
