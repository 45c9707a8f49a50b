import Foundation

/// What the ERP tells the platforms back, on exchange `erp.outbound` with routing key
/// `platform.<platform>.<kind>`; each platform's connector reads its own durable queue
/// `outbound.<platform>`. The bodies of the canonical platforms are these types (snake_case
/// JSON, described by `outbound.schema.json`); Shopify gets its own shapes (``ShopifyOutbound``).
public enum Outbound {
    /// The routing key of a message of `kind` for `platform`.
    public static func routingKey(platform: String, _ kind: String) -> String { "platform.\(platform).\(kind)" }

    /// A parcel left for a platform's order.
    public struct FulfillmentCreated: Message, Equatable {
        public static let type: MessageType = "outbound.fulfillment_created.v1"
        public static let kind = "fulfillment.created"
        public var shop: String
        /// The platform's id of the order.
        public var orderId: String
        public var erpOrder: Int64
        public var shipment: String
        public var lines: [Line]
        public var carrier: String
        public var trackingNumber: String
        public var trackingUrl: String?
        public var shippedAt: Date
        public struct Line: Codable, Sendable, Equatable {
            public var line: Int
            public var sku: String
            public var quantity: Int
            public init(line: Int, sku: String, quantity: Int) { (self.line, self.sku, self.quantity) = (line, sku, quantity) }
        }
        public init(
            shop: String, orderId: String, erpOrder: Int64, shipment: String, lines: [Line], carrier: String, trackingNumber: String,
            trackingUrl: String?, shippedAt: Date
        ) {
            (self.shop, self.orderId, self.erpOrder, self.shipment, self.lines) = (shop, orderId, erpOrder, shipment, lines)
            (self.carrier, self.trackingNumber, self.trackingUrl, self.shippedAt) = (carrier, trackingNumber, trackingUrl, shippedAt)
        }
    }

    /// The ERP cancelled a platform's order (an operator, an unpaid or out-of-stock order).
    public struct OrderCancelled: Message, Equatable {
        public static let type: MessageType = "outbound.order_cancelled.v1"
        public static let kind = "order.cancelled"
        public var shop: String
        public var orderId: String
        public var erpOrder: Int64
        public var reason: String
        public var cancelledAt: Date
        public init(shop: String, orderId: String, erpOrder: Int64, reason: String, cancelledAt: Date) {
            (self.shop, self.orderId, self.erpOrder, self.reason, self.cancelledAt) = (shop, orderId, erpOrder, reason, cancelledAt)
        }
    }
}

extension Outbound {
    /// Money was paid back for a platform's order (a credit note was issued).
    public struct RefundCreated: Message, Equatable {
        public static let type: MessageType = "outbound.refund_created.v1"
        public static let kind = "refund.created"
        public var shop: String
        public var orderId: String
        public var erpOrder: Int64
        public var amount: Money
        public var reason: String
        public var reference: String
        public var creditNote: String
        /// The order lines it pays back, with their amounts and units (absent: a refund of the order as a whole).
        public var lines: [Line]?
        public struct Line: Codable, Sendable, Equatable {
            public var line: Int
            public var amount: Money
            public var quantity: Int?
            public init(line: Int, amount: Money, quantity: Int?) { (self.line, self.amount, self.quantity) = (line, amount, quantity) }
        }
        public init(
            shop: String, orderId: String, erpOrder: Int64, amount: Money, reason: String, reference: String, creditNote: String, lines: [Line]?
        ) {
            (self.shop, self.orderId, self.erpOrder, self.amount, self.reason) = (shop, orderId, erpOrder, amount, reason)
            (self.reference, self.creditNote, self.lines) = (reference, creditNote, lines)
        }
    }
}

extension Outbound {
    /// How many units of a SKU the platform may sell: available (on hand less reserved),
    /// summed over the warehouses that serve the platform. Sent when it changed, at most once
    /// per SKU per interval.
    public struct InventoryLevel: Message, Equatable {
        public static let type: MessageType = "outbound.inventory_level.v1"
        public static let kind = "inventory.level"
        public var sku: String
        public var available: Int
        public var warehouses: [String]
        public var at: Date
        public init(sku: String, available: Int, warehouses: [String], at: Date) {
            (self.sku, self.available, self.warehouses, self.at) = (sku, available, warehouses, at)
        }
    }
}

/// Shopify's own shapes for what the ERP tells a Shopify shop.
public enum ShopifyOutbound {
    /// A fulfillment as Shopify's Admin API takes it: the order, the location it left
    /// (mapped from the warehouse by `ERP_SHOPIFY_LOCATION_<WAREHOUSE>`), `tracking_info` and
    /// the line items by SKU and quantity.
    public struct Fulfillment: Message, Equatable {
        public static let type: MessageType = "outbound.shopify_fulfillment.v1"
        public var fulfillment: Body
        public struct Body: Codable, Sendable, Equatable {
            public var orderId: Int64
            public var locationId: Int64?
            public var trackingInfo: TrackingInfo
            public var lineItems: [LineItem]
            public var notifyCustomer: Bool
        }
        public struct TrackingInfo: Codable, Sendable, Equatable {
            public var number: String
            public var company: String
            public var url: String?
        }
        public struct LineItem: Codable, Sendable, Equatable {
            public var sku: String
            public var quantity: Int
        }
        public init(orderId: Int64, locationId: Int64?, number: String, company: String, url: String?, lineItems: [(sku: String, quantity: Int)]) {
            fulfillment = Body(
                orderId: orderId, locationId: locationId, trackingInfo: TrackingInfo(number: number, company: company, url: url),
                lineItems: lineItems.map { LineItem(sku: $0.sku, quantity: $0.quantity) }, notifyCustomer: true)
        }
    }

    /// Shopify's `inventory_levels/set`: the units available of an inventory item (the SKU,
    /// mapped by `ERP_SHOPIFY_INVENTORY_ITEMS_FILE`) at a location (the warehouse, mapped by
    /// `ERP_SHOPIFY_LOCATION_<WAREHOUSE>`).
    public struct InventoryLevelSet: Message, Equatable {
        public static let type: MessageType = "outbound.shopify_inventory_level_set.v1"
        public var locationId: Int64
        public var inventoryItemId: Int64
        public var available: Int
        public init(locationId: Int64, inventoryItemId: Int64, available: Int) {
            (self.locationId, self.inventoryItemId, self.available) = (locationId, inventoryItemId, available)
        }
    }
}
