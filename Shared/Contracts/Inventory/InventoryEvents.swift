/// Events the inventory service publishes on `erp.events`.
public enum InventoryEvent {
    public struct Received: Message, Equatable {
        public static let type: MessageType = "inventory.stock.received.v1"
        public var sku: String
        public var warehouse: String
        public var lot: String
        public var quantity: Int
        public var unitCost: Money
        public var expiry: BusinessDate?
        public var purchaseReference: String?
        /// A receipt against a purchase order: the order (also its purchase reference), its line and supplier.
        public var purchaseOrder: String?
        public var orderLine: Int?
        public var supplier: String?
        public init(
            sku: String, warehouse: String, lot: String, quantity: Int, unitCost: Money, expiry: BusinessDate?, purchaseReference: String?,
            purchaseOrder: String? = nil, orderLine: Int? = nil, supplier: String? = nil
        ) {
            (self.sku, self.warehouse, self.lot, self.quantity) = (sku, warehouse, lot, quantity)
            (self.unitCost, self.expiry, self.purchaseReference) = (unitCost, expiry, purchaseReference)
            (self.purchaseOrder, self.orderLine, self.supplier) = (purchaseOrder, orderLine, supplier)
        }
    }

    public struct Released: Message, Equatable {
        public static let type: MessageType = "inventory.stock.released.v1"
        public var order: String
        public var units: Int
        /// The SKUs whose units became available again (absent in events of earlier versions).
        public var skus: [String]?
        public init(order: String, units: Int, skus: [String]? = nil) { (self.order, self.units, self.skus) = (order, units, skus) }
    }

    /// Shipped units with their lots and FIFO cost: what finance books as cost of goods sold.
    public struct Issued: Message, Equatable {
        public static let type: MessageType = "inventory.stock.issued.v1"
        public var order: String
        public var lots: [InventoryResult.IssuedLot]
        /// The parcel they left in (absent when a whole order was issued at once).
        public var shipment: String?
        public init(order: String, lots: [InventoryResult.IssuedLot], shipment: String? = nil) {
            (self.order, self.lots, self.shipment) = (order, lots, shipment)
        }
    }

    /// Units back from a customer: into a lot (sellable) or into quarantine, at `unitCost`
    /// (the lot's), which finance takes back out of the cost of goods sold.
    public struct Returned: Message, Equatable {
        public static let type: MessageType = "inventory.stock.returned.v1"
        public var reference: String
        public var sku: String
        public var warehouse: String
        public var lot: String
        public var quantity: Int
        public var condition: InventoryCommand.ReturnCondition
        /// The cost of one unit (absent in events of earlier versions).
        public var unitCost: Money?
        /// The order the units were issued for, when known.
        public var order: String?
        public init(
            reference: String, sku: String, warehouse: String, lot: String, quantity: Int, condition: InventoryCommand.ReturnCondition,
            unitCost: Money? = nil, order: String? = nil
        ) {
            (self.reference, self.sku, self.warehouse, self.lot, self.quantity, self.condition) = (
                reference, sku, warehouse, lot, quantity, condition
            )
            (self.unitCost, self.order) = (unitCost, order)
        }
    }

    /// On hand of a lot changed by hand or by a count (`quarantine` absent), or quarantined
    /// units were inspected: restocked into the lot or written off.
    public struct Adjusted: Message, Equatable {
        public static let type: MessageType = "inventory.stock.adjusted.v1"
        public var sku: String
        public var warehouse: String
        public var lot: String
        public var delta: Int
        public var reason: String
        /// The cost of one unit (absent in events of earlier versions).
        public var unitCost: Money?
        public var quarantine: InventoryCommand.QuarantineDisposition?
        /// Units of a recalled lot taken out of stock into quarantine (delta negative).
        public var recall: Bool?
        public init(
            sku: String, warehouse: String, lot: String, delta: Int, reason: String, unitCost: Money? = nil,
            quarantine: InventoryCommand.QuarantineDisposition? = nil, recall: Bool? = nil
        ) {
            (self.sku, self.warehouse, self.lot, self.delta, self.reason) = (sku, warehouse, lot, delta, reason)
            (self.unitCost, self.quarantine, self.recall) = (unitCost, quarantine, recall)
        }
    }

    /// Available stock fell below the reorder rule's minimum.
    public struct Low: Message, Equatable {
        public static let type: MessageType = "inventory.stock.low.v1"
        public var sku: String
        public var warehouse: String
        public var available: Int
        public var minimum: Int
        public init(sku: String, warehouse: String, available: Int, minimum: Int) {
            (self.sku, self.warehouse, self.available, self.minimum) = (sku, warehouse, available, minimum)
        }
    }

    /// A SKU came into stock or went out of it: its available units (on hand less reserved,
    /// summed over every warehouse) became positive or fell to zero. Sent at most once per
    /// SKU per interval (`ERP_INVENTORY_AVAILABILITY_INTERVAL`), the last change always.
    public struct AvailabilityChanged: Message, Equatable {
        public static let type: MessageType = "inventory.stock.availability.v1"
        public var sku: String
        public var available: Int
        public var inStock: Bool
        public init(sku: String, available: Int) { (self.sku, self.available, self.inStock) = (sku, available, available > 0) }
    }

    public struct PurchaseRequested: Message, Equatable {
        public static let type: MessageType = "inventory.purchase_request.opened.v1"
        public var request: Int64
        public var sku: String
        public var warehouse: String
        public var quantity: Int
        public init(request: Int64, sku: String, warehouse: String, quantity: Int) {
            (self.request, self.sku, self.warehouse, self.quantity) = (request, sku, warehouse, quantity)
        }
    }

    public struct PurchaseRequestClosed: Message, Equatable {
        public static let type: MessageType = "inventory.purchase_request.closed.v1"
        public var request: Int64
        public var receivedQuantity: Int
        public init(request: Int64, receivedQuantity: Int) { (self.request, self.receivedQuantity) = (request, receivedQuantity) }
    }

    public struct TransferChanged: Message, Equatable {
        public static let type: MessageType = "inventory.transfer.changed.v1"
        public var transfer: String
        public var sku: String
        public var from: String
        public var to: String
        public var quantity: Int
        /// in_transit, received or cancelled.
        public var status: String
        public init(transfer: String, sku: String, from: String, to: String, quantity: Int, status: String) {
            (self.transfer, self.sku, self.from, self.to, self.quantity, self.status) = (transfer, sku, from, to, quantity, status)
        }
    }
}
