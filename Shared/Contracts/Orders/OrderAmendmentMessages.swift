import Foundation

/// Amendments: a change of an order's lines (change-line, add-line, remove-line, a platform
/// revision) is carried through before it takes effect. The orders service keeps it as
/// pending (the order keeps its lines) and announces it; the saga coordinator re-reserves
/// the new lines all or nothing, has the orders service apply them, finance void and
/// reissue the invoice, and the orders service follow the payment state from what is now
/// open. A change whose lines cannot be reserved is refused, with its reason.
extension OrderEvent {
    public struct AmendmentRequested: Message, Equatable {
        public static let type: MessageType = "orders.order.amendment_requested.v1"
        public var order: Int64
        public var amendment: Int64
        /// What changes, in words ("line 1 quantity 2 → 3", "revision 4 from shopify").
        public var what: String
        /// The lines the order is to have, and those it has now.
        public var lines: [OrderSnapshot.Line]
        public var previous: [OrderSnapshot.Line]
        /// The order's total with the new lines.
        public var total: Money
        /// The shipping region (province) reservations are chosen by.
        public var region: String?
        public init(
            order: Int64, amendment: Int64, what: String, lines: [OrderSnapshot.Line], previous: [OrderSnapshot.Line], total: Money, region: String?
        ) {
            (self.order, self.amendment, self.what, self.lines, self.previous, self.total, self.region) = (
                order, amendment, what, lines, previous, total, region
            )
        }
    }

    /// An amendment could not be carried through (the new lines cannot be reserved, the
    /// order moved on): the order keeps its lines.
    public struct AmendmentRefused: Message, Equatable {
        public static let type: MessageType = "orders.order.amendment_refused.v1"
        public var order: Int64
        public var amendment: Int64
        public var reason: String
        public init(order: Int64, amendment: Int64, reason: String) { (self.order, self.amendment, self.reason) = (order, amendment, reason) }
    }
}

extension OrderCommand {
    /// The new lines are reserved: the order takes them (refused with `too-late` once the
    /// order is paid or further along, `order-cancelled` once it is cancelled).
    public struct ApplyAmendment: Message, Equatable {
        public static let type: MessageType = "orders.apply_amendment.v1"
        public var order: Int64
        public var amendment: Int64
        public init(order: Int64, amendment: Int64) { (self.order, self.amendment) = (order, amendment) }
    }

    public struct AmendmentApplied: Codable, Sendable, Equatable {
        public var snapshot: OrderSnapshot
        public init(snapshot: OrderSnapshot) { self.snapshot = snapshot }
    }

    /// The amendment is not carried through: it is kept as refused with its reason, the
    /// order is flagged for attention and keeps its lines.
    public struct RefuseAmendment: Message, Equatable {
        public static let type: MessageType = "orders.refuse_amendment.v1"
        public var order: Int64
        public var amendment: Int64
        public var reason: String
        public init(order: Int64, amendment: Int64, reason: String) { (self.order, self.amendment, self.reason) = (order, amendment, reason) }
    }

    /// Finance reissued the amended order's invoice and `open` is what is still owed: a
    /// pending order owing nothing becomes paid; an order on hold resumes as paid or as
    /// pending payment accordingly (a paid order that now owes more waits for the difference).
    public struct SettleAmendment: Message, Equatable {
        public static let type: MessageType = "orders.settle_amendment.v1"
        public var order: Int64
        public var amendment: Int64
        public var open: Money
        public var invoice: String?
        public init(order: Int64, amendment: Int64, open: Money, invoice: String?) {
            (self.order, self.amendment, self.open, self.invoice) = (order, amendment, open, invoice)
        }
    }
}

extension FinanceCommand {
    /// An order's lines changed (an amendment): its invoice is voided and a new one issued
    /// from `order` as it now stands; what was paid on the old settles the new, and what
    /// was paid beyond the new total is refunded. An order without an invoice is invoiced.
    public struct AmendInvoice: Message, Equatable {
        public static let type: MessageType = "finance.amend_invoice.v1"
        public var order: OrderSnapshot
        public var reason: String
        public init(order: OrderSnapshot, reason: String) { (self.order, self.reason) = (order, reason) }
    }

    public struct InvoiceAmended: Codable, Sendable, Equatable {
        public var voided: String?
        public var issued: String
        /// What is still owed on the new invoice.
        public var open: Money
        /// Paid beyond the new total and given back.
        public var refunded: Money?
        public init(voided: String?, issued: String, open: Money, refunded: Money?) {
            (self.voided, self.issued, self.open, self.refunded) = (voided, issued, open, refunded)
        }
    }
}
