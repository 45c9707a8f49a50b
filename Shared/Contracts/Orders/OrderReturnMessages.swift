import Foundation

/// Returns (RMA): what a customer sends back from a delivered order, and the refund.
public enum ReturnKind: String, Codable, Sendable, CaseIterable {
    /// Goods come back and are refunded.
    case `return`
    /// Money back, no goods (a damaged item the customer keeps, a goodwill refund).
    case refundOnly = "refund_only"
    /// Goods come back, no money (a gift, a refund made on the platform itself).
    case returnWithoutRefund = "return_without_refund"
    /// Goods come back to be repaired (a repair ticket): no refund; repaired, the same SKU
    /// goes back to the customer as a free replacement; beyond repair, the return is refunded
    /// after all (the repair saga decides, not the kind).
    case repair

    public var goodsComeBack: Bool { self != .refundOnly }
    public var refunds: Bool { self == .return || self == .refundOnly }
    /// What a platform may ask for (a repair comes from a customer-service ticket).
    public static let requestable: [ReturnKind] = [.return, .refundOnly, .returnWithoutRefund]
}

extension OrderCommand {
    /// Asks for a return of some units of a completed order. The orders service approves it
    /// (within the return window of the last shipment, every SKU returnable, no more units
    /// than shipped and not returned yet) and the order becomes `return_requested`, or
    /// refuses it with the reason (a rejected return).
    public struct RequestReturn: Message, Equatable {
        public static let type: MessageType = "orders.request_return.v1"
        public var order: Int64
        public var rma: String
        public var lines: [ShipmentLine]
        public var kind: ReturnKind
        public var reason: String
        /// For an exchange: what replaces the returned units (checked now: known, active, priced in the order's currency).
        public var replacements: [ReplacementLine]?
        public init(order: Int64, rma: String, lines: [ShipmentLine], kind: ReturnKind, reason: String, replacements: [ReplacementLine]? = nil) {
            (self.order, self.rma, self.lines, self.kind, self.reason, self.replacements) = (order, rma, lines, kind, reason, replacements)
        }
    }

    public struct ReturnLine: Codable, Sendable, Equatable {
        public var line: Int
        public var sku: String
        public var quantity: Int
        /// Its share of the line's total (largest remainder by units).
        public var refund: Money
        public init(line: Int, sku: String, quantity: Int, refund: Money) {
            (self.line, self.sku, self.quantity, self.refund) = (line, sku, quantity, refund)
        }
    }

    public struct ReturnApproved: Codable, Sendable, Equatable {
        public var rma: String
        public var order: Int64
        public var lines: [ReturnLine]
        public var refund: Money
        public init(rma: String, order: Int64, lines: [ReturnLine], refund: Money) {
            (self.rma, self.order, self.lines, self.refund) = (rma, order, lines, refund)
        }
    }

    /// Records what came back and in what condition (sellable or damaged), line by line.
    /// Sent by an operator (`erpctl returns receive`); the return saga goes on from it.
    public struct InspectReturn: Message, Equatable {
        public static let type: MessageType = "orders.inspect_return.v1"
        public struct Item: Codable, Sendable, Equatable {
            public var line: Int
            public var quantity: Int
            public var condition: InventoryCommand.ReturnCondition
            public init(line: Int, quantity: Int, condition: InventoryCommand.ReturnCondition) {
                (self.line, self.quantity, self.condition) = (line, quantity, condition)
            }
        }
        public var rma: String
        public var items: [Item]
        public init(rma: String, items: [Item]) { (self.rma, self.items) = (rma, items) }
    }

    /// Closes an approved return: the order becomes `returned` (every shipped unit is
    /// back) or `partially_returned`.
    public struct CompleteReturn: Message, Equatable {
        public static let type: MessageType = "orders.complete_return.v1"
        public var rma: String
        /// A repair's goods went back to the customer repaired: the return ends as `repaired`
        /// (its units count as not returned) and the order gets its state from before back.
        public var repaired: Bool?
        public init(rma: String, repaired: Bool? = nil) { (self.rma, self.repaired) = (rma, repaired) }
    }

    /// Cancels an approved return before its goods came back (its compensation): the order
    /// gets its state from before back.
    public struct CancelReturn: Message, Equatable {
        public static let type: MessageType = "orders.cancel_return.v1"
        public var rma: String
        public var reason: String
        public init(rma: String, reason: String) { (self.rma, self.reason) = (rma, reason) }
    }
}

extension OrderEvent {
    /// The goods of a return were received and inspected.
    public struct ReturnInspected: Message, Equatable {
        public static let type: MessageType = "orders.return.inspected.v1"
        public var rma: String
        public var order: Int64
        public var items: [Item]
        public struct Item: Codable, Sendable, Equatable {
            public var line: Int
            public var sku: String
            public var quantity: Int
            public var condition: InventoryCommand.ReturnCondition
            public init(line: Int, sku: String, quantity: Int, condition: InventoryCommand.ReturnCondition) {
                (self.line, self.sku, self.quantity, self.condition) = (line, sku, quantity, condition)
            }
        }
        public init(rma: String, order: Int64, items: [Item]) { (self.rma, self.order, self.items) = (rma, order, items) }
    }

    /// A return is closed (CRM follows up with the customer).
    public struct ReturnCompleted: Message, Equatable {
        public static let type: MessageType = "orders.return.completed.v1"
        public var rma: String
        public var order: Int64
        public var kind: ReturnKind
        public var refund: Money?
        public var status: OrderStatus
        public init(rma: String, order: Int64, kind: ReturnKind, refund: Money?, status: OrderStatus) {
            (self.rma, self.order, self.kind, self.refund, self.status) = (rma, order, kind, refund, status)
        }
    }
}

extension InventoryCommand {
    /// Units of an order's shipment coming back: each goes into the lot and warehouse it
    /// was issued from (sellable) or into quarantine there (damaged).
    public struct ReturnOrderStock: Message, Equatable {
        public static let type: MessageType = "inventory.return_order_stock.v1"
        public struct Item: Codable, Sendable, Equatable {
            public var sku: String
            public var quantity: Int
            public var condition: ReturnCondition
            public init(sku: String, quantity: Int, condition: ReturnCondition) {
                (self.sku, self.quantity, self.condition) = (sku, quantity, condition)
            }
        }
        /// The order the units were issued for.
        public var order: String
        /// The return's reference (its RMA): recorded on the ledger; a second command with it is refused.
        public var reference: String
        public var items: [Item]
        public init(order: String, reference: String, items: [Item]) { (self.order, self.reference, self.items) = (order, reference, items) }
    }
}

extension FinanceCommand {
    /// Invoices an order now (as `orders.order.placed.v1` would; an order invoiced before
    /// keeps its invoice): for a saga that must not go on before the invoice exists.
    public struct InvoiceOrder: Message, Equatable {
        public static let type: MessageType = "finance.invoice_order.v1"
        public var order: OrderSnapshot
        public init(order: OrderSnapshot) { self.order = order }
    }

    /// A refund's share of one invoice line (gross).
    public struct RefundLine: Codable, Sendable, Equatable {
        public var line: Int
        public var amount: Money
        /// Units returned on the line (shown on the credit note); absent for a refund of money only.
        public var quantity: Int?
        public init(line: Int, amount: Money, quantity: Int? = nil) { (self.line, self.amount, self.quantity) = (line, amount, quantity) }
    }
}

extension SagaRequest {
    /// Starts a return (see ``OrderCommand/RequestReturn``); the RMA number is made by the coordinator.
    public struct StartReturn: Message, Equatable {
        public static let type: MessageType = "saga.start_return.v1"
        public var order: Int64
        public var lines: [OrderCommand.ShipmentLine]
        public var kind: ReturnKind
        public var reason: String
        public init(order: Int64, lines: [OrderCommand.ShipmentLine], kind: ReturnKind, reason: String) {
            (self.order, self.lines, self.kind, self.reason) = (order, lines, kind, reason)
        }
    }
}

extension InventoryResult {
    public struct OrderStockReturned: Codable, Sendable, Equatable {
        public struct Lot: Codable, Sendable, Equatable {
            public var sku: String
            public var warehouse: String
            public var lot: String
            public var quantity: Int
            public var condition: InventoryCommand.ReturnCondition
            public init(sku: String, warehouse: String, lot: String, quantity: Int, condition: InventoryCommand.ReturnCondition) {
                (self.sku, self.warehouse, self.lot, self.quantity, self.condition) = (sku, warehouse, lot, quantity, condition)
            }
        }
        public var reference: String
        public var lots: [Lot]
        public init(reference: String, lots: [Lot]) { (self.reference, self.lots) = (reference, lots) }
    }
}

/// A SKU and units sent in exchange for returned ones.
public struct ReplacementLine: Codable, Sendable, Equatable {
    public var sku: String
    public var quantity: Int
    public init(sku: String, quantity: Int) { (self.sku, self.quantity) = (sku, quantity) }
}

extension OrderCommand {
    /// Places the order that ships an exchange's replacement: the original order's customer,
    /// address and platform, these SKUs at their catalog prices, no shipping fee, waiting for
    /// payment (the exchange pays it with the returned lines' refund). Published as placed,
    /// so finance invoices it and it gets its own fulfilment (a new shipment). Placing it
    /// twice for one RMA gives the same order.
    public struct PlaceReplacement: Message, Equatable {
        public static let type: MessageType = "orders.place_replacement.v1"
        public var order: Int64
        /// The return it replaces goods of (an exchange, a repair), or the re-send's own reference.
        public var rma: String
        /// An exchange's SKUs (at catalog prices).
        public var lines: [ReplacementLine]
        /// Nil: an exchange. A repair or a re-send ships the same SKUs as `originalLines` of
        /// the order, free (price 0, already paid): a cost, not a sale.
        public var kind: ReplacementKind?
        public var originalLines: [OrderCommand.ShipmentLine]?
        public init(
            order: Int64, rma: String, lines: [ReplacementLine] = [], kind: ReplacementKind? = nil, originalLines: [OrderCommand.ShipmentLine]? = nil
        ) {
            (self.order, self.rma, self.lines, self.kind, self.originalLines) = (order, rma, lines, kind, originalLines)
        }
    }
}

/// Why goods are sent again: in exchange for returned ones (sold), or free, as a repair's
/// return shipment or a re-send of a parcel lost or damaged (a cost of the business).
public enum ReplacementKind: String, Codable, Sendable, CaseIterable {
    case exchange, repair, resend
    public var free: Bool { self != .exchange }
}

extension OrderEvent {
    /// A replacement order was placed (published with its `orders.order.placed.v1`): finance
    /// books a free one's cost of goods as replacement expense, not as cost of sales.
    public struct ReplacementPlaced: Message, Equatable {
        public static let type: MessageType = "orders.replacement.placed.v1"
        public var order: Int64
        public var replaces: Int64
        public var kind: ReplacementKind
        public var reference: String
        public init(order: Int64, replaces: Int64, kind: ReplacementKind, reference: String) {
            (self.order, self.replaces, self.kind, self.reference) = (order, replaces, kind, reference)
        }
    }
}

extension SagaRequest {
    /// Starts a repair (a repair ticket): the goods of these lines come back as a return of
    /// kind `repair` (no refund); the ticket's resolution (`crm.repair.decided.v1`) then
    /// sends them back repaired as a free replacement order, or refunds them.
    public struct StartRepair: Message, Equatable {
        public static let type: MessageType = "saga.start_repair.v1"
        public var order: Int64
        public var lines: [OrderCommand.ShipmentLine]
        public var ticket: Int64
        public var reason: String
        public init(order: Int64, lines: [OrderCommand.ShipmentLine], ticket: Int64, reason: String) {
            (self.order, self.lines, self.ticket, self.reason) = (order, lines, ticket, reason)
        }

        /// The RMA of a ticket's repair (one per ticket).
        public static func rma(ticket: Int64) -> String { "RMA-REPAIR-T\(ticket)" }
    }

    /// Starts a re-send (a parcel lost or damaged; a re-send ticket): these lines of the
    /// order ship again as a free replacement order, with no return.
    public struct StartResend: Message, Equatable {
        public static let type: MessageType = "saga.start_resend.v1"
        public var order: Int64
        public var lines: [OrderCommand.ShipmentLine]
        public var ticket: Int64
        public var reason: String
        public init(order: Int64, lines: [OrderCommand.ShipmentLine], ticket: Int64, reason: String) {
            (self.order, self.lines, self.ticket, self.reason) = (order, lines, ticket, reason)
        }
    }
}

extension SagaRequest {
    /// Starts an exchange: a return of these lines whose replacement SKUs ship as a new order
    /// once the goods are back; the price difference is charged (left owing) or refunded.
    public struct StartExchange: Message, Equatable {
        public static let type: MessageType = "saga.start_exchange.v1"
        public var order: Int64
        public var lines: [OrderCommand.ShipmentLine]
        public var replacements: [ReplacementLine]
        public var reason: String
        public init(order: Int64, lines: [OrderCommand.ShipmentLine], replacements: [ReplacementLine], reason: String) {
            (self.order, self.lines, self.replacements, self.reason) = (order, lines, replacements, reason)
        }
    }
}
