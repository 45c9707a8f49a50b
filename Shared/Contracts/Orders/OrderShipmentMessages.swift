import Foundation

extension OrderCommand {
    /// The order's stock is reserved (by the saga coordinator's fulfilment): it becomes
    /// `allocated`, keeps what is reserved per line and warehouse (a shipment may not take
    /// more from a warehouse than was allocated there) and announces it with
    /// ``OrderEvent/Allocated`` for the warehouses to pick.
    public struct Allocate: Message, Equatable {
        public static let type: MessageType = "orders.allocate.v1"
        public var order: Int64
        public var allocations: [Allocation]
        public init(order: Int64, allocations: [Allocation]) { (self.order, self.allocations) = (order, allocations) }
    }

    /// Units of one order line reserved in one warehouse.
    public struct Allocation: Codable, Sendable, Equatable, Hashable {
        public var line: Int
        public var sku: String
        public var warehouse: String
        public var quantity: Int
        public init(line: Int, sku: String, warehouse: String, quantity: Int) {
            (self.line, self.sku, self.warehouse, self.quantity) = (line, sku, warehouse, quantity)
        }
    }

    /// A parcel a warehouse sent (from `erpctl orders ship` or a warehouse system's
    /// `warehouse.<warehouse>.shipment.confirmed`): carrier, tracking number, the lines and
    /// quantities in it. Only what was allocated in that warehouse and has not shipped may
    /// ship; the order is `partially_shipped` until every line has shipped in full, then
    /// `shipped`. The same shipment again (same content) changes nothing; the same shipment
    /// id with other content is refused.
    public struct Ship: Message, Equatable {
        public static let type: MessageType = "orders.ship.v1"
        public var order: Int64
        public var shipment: String
        public var carrier: String
        public var trackingNumber: String
        public var lines: [ShipmentLine]
        /// The warehouse it left (may be left out when the lines were allocated in one warehouse only).
        public var warehouse: String?
        /// When it left (now when left out).
        public var shippedAt: Date?
        public var weightGrams: Int?
        public init(
            order: Int64, shipment: String, carrier: String, trackingNumber: String, lines: [ShipmentLine], warehouse: String? = nil,
            shippedAt: Date? = nil, weightGrams: Int? = nil
        ) {
            (self.order, self.shipment, self.carrier, self.trackingNumber, self.lines) = (order, shipment, carrier, trackingNumber, lines)
            (self.warehouse, self.shippedAt, self.weightGrams) = (warehouse, shippedAt, weightGrams)
        }
    }

    /// The fulfilment's ship-by deadline passed with the order not (fully) shipped: the
    /// order is flagged for attention and ``OrderEvent/ShipLate`` announced. Nothing is cancelled.
    public struct ReportShipLate: Message, Equatable {
        public static let type: MessageType = "orders.report_ship_late.v1"
        public var order: Int64
        public var hours: Int
        public init(order: Int64, hours: Int) { (self.order, self.hours) = (order, hours) }
    }
}

extension OrderEvent {
    /// What a warehouse is to pick for an order: its lines as reserved, per warehouse.
    public struct Allocated: Message, Equatable {
        public static let type: MessageType = "orders.order.allocated.v1"
        public var order: Int64
        public var platform: String
        public var shop: String
        public var externalId: String
        public var allocations: [OrderCommand.Allocation]
        public init(order: Int64, platform: String, shop: String, externalId: String, allocations: [OrderCommand.Allocation]) {
            (self.order, self.platform, self.shop, self.externalId, self.allocations) = (order, platform, shop, externalId, allocations)
        }
    }

    /// A shipment was recorded: inventory issues exactly these lines from the warehouse's
    /// reservations (FEFO lots; finance books their cost).
    public struct Shipped: Message, Equatable {
        public static let type: MessageType = "orders.order.shipment_recorded.v1"
        public var order: Int64
        public var shipment: String
        public var carrier: String
        public var trackingNumber: String
        public var lines: [OrderCommand.ShipmentLine]
        /// Whether every line has now shipped in full.
        public var complete: Bool
        /// The warehouse it left (absent in events of earlier versions).
        public var warehouse: String?
        public var shippedAt: Date?
        public init(
            order: Int64, shipment: String, carrier: String, trackingNumber: String, lines: [OrderCommand.ShipmentLine], complete: Bool,
            warehouse: String? = nil, shippedAt: Date? = nil
        ) {
            (self.order, self.shipment, self.carrier, self.trackingNumber, self.lines, self.complete) = (
                order, shipment, carrier, trackingNumber, lines, complete
            )
            (self.warehouse, self.shippedAt) = (warehouse, shippedAt)
        }
    }

    /// An allocated order was not shipped by its ship-by deadline.
    public struct ShipLate: Message, Equatable {
        public static let type: MessageType = "orders.order.ship_late.v1"
        public var order: Int64
        public var hours: Int
        public var reason: String
        public init(order: Int64, hours: Int, reason: String) { (self.order, self.hours, self.reason) = (order, hours, reason) }
    }
}
