/// Purchasing's events on `erp.events` (routing key = type).
public enum PurchasingEvent {
    /// An order went to its supplier: for the notification rules or a supplier's connector.
    public struct OrderSent: Message, Equatable {
        public static let type: MessageType = "purchasing.po.sent.v1"
        public struct Line: Codable, Sendable, Equatable {
            public var line: Int
            public var sku: String
            public var quantity: Int
            public var unitPrice: Money
            public init(line: Int, sku: String, quantity: Int, unitPrice: Money) {
                (self.line, self.sku, self.quantity, self.unitPrice) = (line, sku, quantity, unitPrice)
            }
        }
        public var order: String
        public var supplier: String
        public var supplierEmail: String?
        public var warehouse: String
        public var expected: BusinessDate?
        public var lines: [Line]
        /// The supplier's payment terms when the order was sent (finance dates its bills' payables by them).
        public var paymentTermsDays: Int?
        public init(
            order: String, supplier: String, supplierEmail: String?, warehouse: String, expected: BusinessDate?, lines: [Line],
            paymentTermsDays: Int? = nil
        ) {
            (self.order, self.supplier, self.supplierEmail, self.warehouse, self.expected, self.lines) =
                (order, supplier, supplierEmail, warehouse, expected, lines)
            self.paymentTermsDays = paymentTermsDays
        }
    }

    public struct OrderCancelled: Message, Equatable {
        public static let type: MessageType = "purchasing.po.cancelled.v1"
        public var order: String
        public var supplier: String
        public var reason: String
        public init(order: String, supplier: String, reason: String) { (self.order, self.supplier, self.reason) = (order, supplier, reason) }
    }
}
