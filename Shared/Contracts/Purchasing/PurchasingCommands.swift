/// Purchasing's commands on `erp.commands` (routing key = type), taken by the inventory
/// service: suppliers and what they sell, and purchase orders from draft to closed.
public enum PurchasingCommand {
    /// A new supplier: `code` is how every other command names it.
    public struct AddSupplier: Message, Equatable {
        public static let type: MessageType = "purchasing.add_supplier.v1"
        public var code: String
        public var name: String
        public var contact: String?
        public var email: String?
        public var currency: Currency
        /// Days after the bill that a payment is due.
        public var paymentTermsDays: Int
        public init(code: String, name: String, contact: String? = nil, email: String? = nil, currency: Currency, paymentTermsDays: Int) {
            (self.code, self.name, self.contact, self.email) = (code, name, contact, email)
            (self.currency, self.paymentTermsDays) = (currency, paymentTermsDays)
        }
    }

    /// Changes what is given of a supplier; what is nil stays as it was.
    public struct UpdateSupplier: Message, Equatable {
        public static let type: MessageType = "purchasing.update_supplier.v1"
        public var code: String
        public var name: String?
        public var contact: String?
        public var email: String?
        public var currency: Currency?
        public var paymentTermsDays: Int?
        public var active: Bool?
        public init(
            code: String, name: String? = nil, contact: String? = nil, email: String? = nil, currency: Currency? = nil,
            paymentTermsDays: Int? = nil, active: Bool? = nil
        ) {
            (self.code, self.name, self.contact, self.email, self.currency) = (code, name, contact, email, currency)
            (self.paymentTermsDays, self.active) = (paymentTermsDays, active)
        }
    }

    /// What a supplier sells of a SKU and on what terms. The `preferred` supplier of a SKU
    /// is the one its purchase requests are drafted to (one per SKU).
    public struct SetSupplierItem: Message, Equatable {
        public static let type: MessageType = "purchasing.set_supplier_item.v1"
        public var supplier: String
        public var sku: String
        public var leadTimeDays: Int
        /// Fewest units an order may carry.
        public var minimumOrder: Int
        /// Units come in packs of this many: an order is a whole number of packs.
        public var packSize: Int
        /// The last price paid per unit, in the supplier's currency: a new line's price.
        public var price: Money?
        public var preferred: Bool
        public init(
            supplier: String, sku: String, leadTimeDays: Int, minimumOrder: Int = 1, packSize: Int = 1, price: Money? = nil,
            preferred: Bool = false
        ) {
            (self.supplier, self.sku, self.leadTimeDays, self.minimumOrder) = (supplier, sku, leadTimeDays, minimumOrder)
            (self.packSize, self.price, self.preferred) = (packSize, price, preferred)
        }
    }

    /// Drafts purchase orders from the open purchase requests no order covers yet: one
    /// per preferred supplier and warehouse, quantities rounded up to the supplier's
    /// minimum order and pack size.
    public struct DraftFromRequests: Message, Equatable {
        public static let type: MessageType = "purchasing.draft_from_requests.v1"
        public init() {}
    }

    /// A purchase order by hand, in draft, without lines.
    public struct CreateOrder: Message, Equatable {
        public static let type: MessageType = "purchasing.create_order.v1"
        public var supplier: String
        public var warehouse: String
        public var expected: BusinessDate?
        public init(supplier: String, warehouse: String, expected: BusinessDate? = nil) {
            (self.supplier, self.warehouse, self.expected) = (supplier, warehouse, expected)
        }
    }

    /// A line on a draft order. Without `unitPrice`, the supplier's last price of the SKU.
    public struct AddLine: Message, Equatable {
        public static let type: MessageType = "purchasing.add_line.v1"
        public var order: String
        public var sku: String
        public var quantity: Int
        public var unitPrice: Money?
        public init(order: String, sku: String, quantity: Int, unitPrice: Money? = nil) {
            (self.order, self.sku, self.quantity, self.unitPrice) = (order, sku, quantity, unitPrice)
        }
    }

    public struct Approve: Message, Equatable {
        public static let type: MessageType = "purchasing.approve_order.v1"
        public var order: String
        public init(order: String) { self.order = order }
    }

    /// Sends an approved order to its supplier: announced as ``PurchasingEvent/OrderSent``.
    public struct Send: Message, Equatable {
        public static let type: MessageType = "purchasing.send_order.v1"
        public var order: String
        public init(order: String) { self.order = order }
    }

    /// Closes a received or partly received order: nothing more is expected of it.
    public struct Close: Message, Equatable {
        public static let type: MessageType = "purchasing.close_order.v1"
        public var order: String
        public init(order: String) { self.order = order }
    }

    /// Cancels an order nothing has been received against; its requests are open again.
    public struct Cancel: Message, Equatable {
        public static let type: MessageType = "purchasing.cancel_order.v1"
        public var order: String
        public var reason: String
        public init(order: String, reason: String) { (self.order, self.reason) = (order, reason) }
    }
}

/// What `done` outcomes of purchasing commands carry.
public enum PurchasingResult {
    public struct Done: Codable, Sendable, Equatable {
        public init() {}
    }

    /// A purchase order as it stands.
    public struct Order: Codable, Sendable, Equatable {
        public struct Line: Codable, Sendable, Equatable {
            public var line: Int
            public var sku: String
            public var quantity: Int
            public var unitPrice: Money
            public var received: Int
            public var request: Int64?
            public init(line: Int, sku: String, quantity: Int, unitPrice: Money, received: Int, request: Int64?) {
                (self.line, self.sku, self.quantity, self.unitPrice, self.received, self.request) = (
                    line, sku, quantity, unitPrice, received, request
                )
            }
        }
        public var number: String
        public var supplier: String
        public var warehouse: String
        public var currency: Currency
        public var status: String
        public var expected: BusinessDate?
        public var lines: [Line]
        public init(
            number: String, supplier: String, warehouse: String, currency: Currency, status: String, expected: BusinessDate?, lines: [Line]
        ) {
            (self.number, self.supplier, self.warehouse, self.currency, self.status) = (number, supplier, warehouse, currency, status)
            (self.expected, self.lines) = (expected, lines)
        }
    }

    /// The orders ``PurchasingCommand/DraftFromRequests`` drafted, and the requests it could
    /// not place (no preferred supplier).
    public struct Drafted: Codable, Sendable, Equatable {
        public var orders: [String]
        public var unplaced: [Int64]
        public init(orders: [String], unplaced: [Int64]) { (self.orders, self.unplaced) = (orders, unplaced) }
    }
}
