extension OrderCommand {
    /// Announces existing orders again, as `orders.order.republished.v1` (a service that came
    /// later, such as the CRM, copies them; nothing else reacts: it is not a placing). Orders
    /// with an id above `after`, oldest first, at most `limit` (1–1,000) per command: the
    /// caller pages through with the returned `last`.
    public struct RepublishOrders: Message, Equatable {
        public static let type: MessageType = "orders.republish_orders.v1"
        public var after: Int64
        public var limit: Int
        public init(after: Int64 = 0, limit: Int = 500) { (self.after, self.limit) = (after, limit) }
    }

    public struct Republished: Codable, Sendable, Equatable {
        public var count: Int
        /// The id of the last order announced (the next page starts after it); nil when none was left.
        public var last: Int64?
        public init(count: Int, last: Int64?) { (self.count, self.last) = (count, last) }
    }
}

extension OrderEvent {
    /// An existing order announced again, as it stands now (``OrderCommand/RepublishOrders``).
    public struct Republished: Message, Equatable {
        public static let type: MessageType = "orders.order.republished.v1"
        public var snapshot: OrderSnapshot
        public init(snapshot: OrderSnapshot) { self.snapshot = snapshot }
    }
}
