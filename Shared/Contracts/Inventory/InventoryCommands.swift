/// Commands the inventory service takes on `erp.commands` (routing key = type). Each is
/// answered with a ``CommandOutcome`` when it carries a `reply_to`; the `Result` types
/// are what a `done` outcome carries.
public enum InventoryCommand {
    public struct AddWarehouse: Message, Equatable {
        public static let type: MessageType = "inventory.add_warehouse.v1"
        public var code: String
        public var name: String
        public var region: String
        public init(code: String, name: String, region: String) {
            (self.code, self.name, self.region) = (code, name, region)
        }
    }

    /// Units arriving from a supplier into a lot. `purchaseRequest` closes that open request.
    /// Against a purchase order (`purchaseOrder` and its `orderLine`), the line's price is the
    /// cost (`unitCost` may be left out, and must match if given), the order's number the
    /// purchase reference, and no more than the line's quantity (and the service's
    /// tolerance) may come in.
    public struct Receive: Message, Equatable {
        public static let type: MessageType = "inventory.receive_stock.v1"
        public var sku: String
        public var warehouse: String
        public var lot: String
        public var expiry: BusinessDate?
        public var unitCost: Money?
        public var quantity: Int
        public var purchaseReference: String?
        public var purchaseRequest: Int64?
        public var purchaseOrder: String?
        public var orderLine: Int?
        public init(
            sku: String, warehouse: String, lot: String, expiry: BusinessDate?, unitCost: Money?, quantity: Int,
            purchaseReference: String? = nil, purchaseRequest: Int64? = nil, purchaseOrder: String? = nil, orderLine: Int? = nil
        ) {
            (self.sku, self.warehouse, self.lot, self.expiry, self.unitCost) = (sku, warehouse, lot, expiry, unitCost)
            (self.quantity, self.purchaseReference, self.purchaseRequest) = (quantity, purchaseReference, purchaseRequest)
            (self.purchaseOrder, self.orderLine) = (purchaseOrder, orderLine)
        }
    }

    /// A change to a lot with a reason (damage, loss, found).
    /// Changes a lot's on hand by `delta` (damage, a find), or, with `quarantine`, takes
    /// inspected units out of quarantine: `restock` puts `delta` (> 0) units into the lot,
    /// `writeOff` removes `-delta` (delta < 0) units for good.
    public struct Adjust: Message, Equatable {
        public static let type: MessageType = "inventory.adjust_stock.v1"
        public var sku: String
        public var warehouse: String
        public var lot: String
        public var delta: Int
        public var reason: String
        public var quarantine: QuarantineDisposition?
        public init(sku: String, warehouse: String, lot: String, delta: Int, reason: String, quarantine: QuarantineDisposition? = nil) {
            (self.sku, self.warehouse, self.lot, self.delta, self.reason, self.quarantine) = (sku, warehouse, lot, delta, reason, quarantine)
        }
    }

    /// What becomes of quarantined units once inspected.
    public enum QuarantineDisposition: String, Codable, Sendable, CaseIterable {
        case restock
        case writeOff = "write-off"
    }

    /// A cycle count of a lot: the difference to the books becomes an adjustment.
    public struct Count: Message, Equatable {
        public static let type: MessageType = "inventory.count_stock.v1"
        public var sku: String
        public var warehouse: String
        public var lot: String
        public var counted: Int
        public var reference: String
        public init(sku: String, warehouse: String, lot: String, counted: Int, reference: String) {
            (self.sku, self.warehouse, self.lot, self.counted, self.reference) = (sku, warehouse, lot, counted, reference)
        }
    }

    /// Ships units from one warehouse to another: they leave the source (FEFO lots) and are
    /// in transit until received or cancelled.
    public struct StartTransfer: Message, Equatable {
        public static let type: MessageType = "inventory.start_transfer.v1"
        public var transfer: String
        public var sku: String
        public var from: String
        public var to: String
        public var quantity: Int
        public init(transfer: String, sku: String, from: String, to: String, quantity: Int) {
            (self.transfer, self.sku, self.from, self.to, self.quantity) = (transfer, sku, from, to, quantity)
        }
    }

    public struct ReceiveTransfer: Message, Equatable {
        public static let type: MessageType = "inventory.receive_transfer.v1"
        public var transfer: String
        public init(transfer: String) { self.transfer = transfer }
    }

    /// Puts an in-transit transfer back into its source warehouse.
    public struct CancelTransfer: Message, Equatable {
        public static let type: MessageType = "inventory.cancel_transfer.v1"
        public var transfer: String
        public init(transfer: String) { self.transfer = transfer }
    }

    public struct OrderLine: Codable, Sendable, Equatable {
        public var line: Int
        public var sku: String
        public var quantity: Int
        public init(line: Int, sku: String, quantity: Int) {
            (self.line, self.sku, self.quantity) = (line, sku, quantity)
        }
    }

    /// Reserves every line of an order or none, choosing warehouses by ``Allocation``.
    public struct Reserve: Message, Equatable {
        public static let type: MessageType = "inventory.reserve_stock.v1"
        public var order: String
        public var lines: [OrderLine]
        public var shippingRegion: String?
        public init(order: String, lines: [OrderLine], shippingRegion: String? = nil) {
            (self.order, self.lines, self.shippingRegion) = (order, lines, shippingRegion)
        }
    }

    /// Reserves an order's lines anew, all or nothing: what it held is released and the new
    /// lines are reserved in the same transaction; if they cannot be, nothing changes and
    /// the order keeps what it held (for an amended order).
    public struct Rereserve: Message, Equatable {
        public static let type: MessageType = "inventory.rereserve_stock.v1"
        public var order: String
        public var lines: [OrderLine]
        public var shippingRegion: String?
        public init(order: String, lines: [OrderLine], shippingRegion: String? = nil) {
            (self.order, self.lines, self.shippingRegion) = (order, lines, shippingRegion)
        }
    }

    public struct Release: Message, Equatable {
        public static let type: MessageType = "inventory.release_stock.v1"
        public var order: String
        public init(order: String) { self.order = order }
    }

    /// How many units of each line could be reserved now (available units across every
    /// warehouse, lines of the same SKU served in order). Reads only.
    public struct CheckAvailability: Message, Equatable {
        public static let type: MessageType = "inventory.check_availability.v1"
        public var lines: [OrderLine]
        public init(lines: [OrderLine]) { self.lines = lines }
    }

    /// Ships reserved units (FEFO lots, FIFO cost): one parcel's lines from the warehouse it
    /// left, or (with no lines) everything the order holds.
    public struct Issue: Message, Equatable {
        public static let type: MessageType = "inventory.issue_stock.v1"
        public var order: String
        /// The parcel (each is issued once).
        public var shipment: String?
        public var warehouse: String?
        /// Order lines and the units of each in the parcel.
        public var lines: [OrderCommand.ShipmentLine]?
        public init(order: String, shipment: String? = nil, warehouse: String? = nil, lines: [OrderCommand.ShipmentLine]? = nil) {
            (self.order, self.shipment, self.warehouse, self.lines) = (order, shipment, warehouse, lines)
        }
    }

    public enum ReturnCondition: String, Codable, Sendable, CaseIterable {
        case sellable, quarantine
    }

    /// Units coming back from a customer: sellable ones go back into a lot, the others into quarantine.
    public struct Return: Message, Equatable {
        public static let type: MessageType = "inventory.return_stock.v1"
        public var reference: String
        public var sku: String
        public var warehouse: String
        public var lot: String
        public var quantity: Int
        public var condition: ReturnCondition
        /// Cost of a unit when the lot is new to the warehouse.
        public var unitCost: Money?
        public init(
            reference: String, sku: String, warehouse: String, lot: String, quantity: Int, condition: ReturnCondition, unitCost: Money? = nil
        ) {
            (self.reference, self.sku, self.warehouse, self.lot) = (reference, sku, warehouse, lot)
            (self.quantity, self.condition, self.unitCost) = (quantity, condition, unitCost)
        }
    }

    /// Sets (or replaces) the reorder rule of a SKU in a warehouse.
    public struct SetReorderRule: Message, Equatable {
        public static let type: MessageType = "inventory.set_reorder_rule.v1"
        public var sku: String
        public var warehouse: String
        public var minimum: Int
        public var maximum: Int
        public init(sku: String, warehouse: String, minimum: Int, maximum: Int) {
            (self.sku, self.warehouse, self.minimum, self.maximum) = (sku, warehouse, minimum, maximum)
        }
    }
}

/// What `done` outcomes of inventory commands carry.
public enum InventoryResult {
    public struct Level: Codable, Sendable, Equatable {
        public var sku: String
        public var warehouse: String
        public var onHand: Int
        public var reserved: Int
        public var available: Int
        public init(sku: String, warehouse: String, onHand: Int, reserved: Int, available: Int) {
            (self.sku, self.warehouse, self.onHand, self.reserved, self.available) = (sku, warehouse, onHand, reserved, available)
        }
    }

    public struct Reservation: Codable, Sendable, Equatable, Hashable {
        public var line: Int
        public var sku: String
        public var warehouse: String
        public var quantity: Int
        public init(line: Int, sku: String, warehouse: String, quantity: Int) {
            (self.line, self.sku, self.warehouse, self.quantity) = (line, sku, warehouse, quantity)
        }
    }

    /// What each line could have now (``InventoryCommand/CheckAvailability``).
    public struct Availability: Codable, Sendable, Equatable {
        public var lines: [OrderCommand.ShipmentLine]
        public init(lines: [OrderCommand.ShipmentLine]) { self.lines = lines }
    }

    public struct Reserved: Codable, Sendable, Equatable {
        public var order: String
        /// Which warehouse supplies which line (a line may come from several).
        public var reservations: [Reservation]
        public var warehouses: [String] { Array(Set(reservations.map(\.warehouse))).sorted() }
        public init(order: String, reservations: [Reservation]) {
            (self.order, self.reservations) = (order, reservations)
        }
    }

    public struct IssuedLot: Codable, Sendable, Equatable {
        public var sku: String
        public var warehouse: String
        public var lot: String
        public var quantity: Int
        public var unitCost: Money
        public init(sku: String, warehouse: String, lot: String, quantity: Int, unitCost: Money) {
            (self.sku, self.warehouse, self.lot, self.quantity, self.unitCost) = (sku, warehouse, lot, quantity, unitCost)
        }
    }

    public struct Issued: Codable, Sendable, Equatable {
        public var order: String
        public var lots: [IssuedLot]
        public init(order: String, lots: [IssuedLot]) {
            (self.order, self.lots) = (order, lots)
        }
    }

    public struct Released: Codable, Sendable, Equatable {
        public var order: String
        public var units: Int
        public init(order: String, units: Int) { (self.order, self.units) = (order, units) }
    }

    public struct Adjusted: Codable, Sendable, Equatable {
        public var delta: Int
        public var level: Level
        public init(delta: Int, level: Level) { (self.delta, self.level) = (delta, level) }
    }

    public struct Transfer: Codable, Sendable, Equatable {
        public var transfer: String
        public var status: String
        public var lots: [IssuedLot]
        public init(transfer: String, status: String, lots: [IssuedLot]) {
            (self.transfer, self.status, self.lots) = (transfer, status, lots)
        }
    }

    public struct Done: Codable, Sendable, Equatable {
        public init() {}
    }
}

extension InventoryCommand {
    /// Moves reserved units from one order's reservation to others (an order split or
    /// merged): each move names the order lines and units it takes; the units keep their
    /// warehouse. An order that holds no reservation moves nothing (it was not reserved yet);
    /// one that holds part of what a move asks is refused and nothing moves.
    public struct MoveReservations: Message, Equatable {
        public static let type: MessageType = "inventory.move_reservations.v1"
        public struct Move: Codable, Sendable, Equatable {
            public var from: String
            public var fromLine: Int
            public var to: String
            public var toLine: Int
            public var quantity: Int
            /// Take the units from this warehouse (a split by warehouse); any otherwise.
            public var warehouse: String?
            public init(from: String, fromLine: Int, to: String, toLine: Int, quantity: Int, warehouse: String? = nil) {
                (self.from, self.fromLine, self.to, self.toLine, self.quantity, self.warehouse) = (from, fromLine, to, toLine, quantity, warehouse)
            }
        }
        public var moves: [Move]
        public init(moves: [Move]) { self.moves = moves }

        /// The moves that put them back.
        public var reversed: MoveReservations {
            MoveReservations(
                moves: moves.map {
                    Move(from: $0.to, fromLine: $0.toLine, to: $0.from, toLine: $0.fromLine, quantity: $0.quantity, warehouse: $0.warehouse)
                })
        }
    }
}

extension InventoryResult {
    /// The reservations of each order a move touched, after it.
    public struct Moved: Codable, Sendable, Equatable {
        public var reservations: [String: [Reservation]]
        /// Whether anything was reserved to move.
        public var moved: Bool
        public init(reservations: [String: [Reservation]], moved: Bool) { (self.reservations, self.moved) = (reservations, moved) }
    }
}
