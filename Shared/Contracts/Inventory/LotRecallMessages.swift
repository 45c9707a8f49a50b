/// Recalling a lot: it is never issued again, what is left of it goes to quarantine, and the
/// orders that received it are named (for the customers to be told).
extension InventoryCommand {
    public struct RecallLot: Message, Equatable {
        public static let type: MessageType = "inventory.recall_lot.v1"
        public var lot: String
        /// The SKU whose lot it is; absent: every SKU with a lot of this code.
        public var sku: String?
        public var reason: String
        public init(lot: String, sku: String? = nil, reason: String) { (self.lot, self.sku, self.reason) = (lot, sku, reason) }
    }
}

extension InventoryEvent {
    public struct LotRecalled: Message, Equatable {
        public static let type: MessageType = "inventory.lot.recalled.v1"
        public var lot: String
        public var skus: [String]
        public var reason: String
        /// Units taken out of stock into quarantine.
        public var quarantined: Int
        /// The orders that were issued units of the lot.
        public var affectedOrders: [String]
        /// Orders whose reservations the units taken out had covered: released, to be reserved again.
        public var unreserved: [String]
        public init(lot: String, skus: [String], reason: String, quarantined: Int, affectedOrders: [String], unreserved: [String]) {
            (self.lot, self.skus, self.reason, self.quarantined, self.affectedOrders, self.unreserved) =
                (lot, skus, reason, quarantined, affectedOrders, unreserved)
        }
    }
}

extension InventoryEvent {
    /// One order that received units of a recalled lot: what a notification rule tells its customer.
    public struct OrderLotRecalled: Message, Equatable {
        public static let type: MessageType = "inventory.lot.order_recalled.v1"
        public var order: Int64
        public var lot: String
        public var skus: [String]
        public var reason: String
        public init(order: Int64, lot: String, skus: [String], reason: String) {
            (self.order, self.lot, self.skus, self.reason) = (order, lot, skus, reason)
        }
    }
}

extension InventoryResult {
    public struct Recalled: Codable, Sendable, Equatable {
        public var lot: String
        public var skus: [String]
        public var quarantined: Int
        public var affectedOrders: [String]
        public var unreserved: [String]
        public init(lot: String, skus: [String], quarantined: Int, affectedOrders: [String], unreserved: [String]) {
            (self.lot, self.skus, self.quarantined, self.affectedOrders, self.unreserved) = (lot, skus, quarantined, affectedOrders, unreserved)
        }
    }
}
