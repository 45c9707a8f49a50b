import Foundation

/// Events of the finance service.
public enum FinanceEvent {
    /// Money for an order arrived (recorded by finance): the order becomes paid.
    public struct PaymentReceived: Message, Equatable {
        public static let type: MessageType = "finance.payment.received.v1"
        public var order: Int64
        public var amount: Money
        public var method: String
        public var reference: String?
        /// What is still owed on the order after this payment (finance's receivables; absent from older senders).
        public var open: Money?
        public init(order: Int64, amount: Money, method: String, reference: String? = nil, open: Money? = nil) {
            (self.order, self.amount, self.method, self.reference, self.open) = (order, amount, method, reference, open)
        }
    }

    /// Money was paid back for an order (a credit note was issued): the order's platform is told.
    public struct RefundRecorded: Message, Equatable {
        public static let type: MessageType = "finance.refund.recorded.v1"
        public var order: Int64
        public var amount: Money
        public var reason: String
        public var reference: String
        public var creditNote: String
        public var lines: [FinanceCommand.RefundLine]?
        public init(order: Int64, amount: Money, reason: String, reference: String, creditNote: String, lines: [FinanceCommand.RefundLine]?) {
            (self.order, self.amount, self.reason, self.reference, self.creditNote, self.lines) = (
                order, amount, reason, reference, creditNote, lines
            )
        }
    }

    /// A sales invoice was issued (CRM sends it to the customer).
    public struct InvoiceIssued: Message, Equatable {
        public static let type: MessageType = "finance.invoice.issued.v1"
        public var number: String
        public var order: Int64
        public var customerEmail: String?
        public var customerName: String?
        public var gross: Money
        public var tax: Money
        public var issuedOn: BusinessDate
        public init(number: String, order: Int64, customerEmail: String?, customerName: String?, gross: Money, tax: Money, issuedOn: BusinessDate) {
            (self.number, self.order, self.customerEmail, self.customerName) = (number, order, customerEmail, customerName)
            (self.gross, self.tax, self.issuedOn) = (gross, tax, issuedOn)
        }
    }
}

/// Commands of the finance service.
public enum FinanceCommand {
    /// Money received for an order (bank transfer, cash on delivery, a platform payout).
    public struct RecordPayment: Message, Equatable {
        public static let type: MessageType = "finance.record_payment.v1"
        public var order: Int64
        public var amount: Money
        public var method: String
        public var reference: String
        public var receivedOn: BusinessDate?
        public init(order: Int64, amount: Money, method: String, reference: String, receivedOn: BusinessDate? = nil) {
            (self.order, self.amount, self.method, self.reference, self.receivedOn) = (order, amount, method, reference, receivedOn)
        }
    }

    /// Money paid back to a customer for an order (a credit note is issued for it).
    public struct RecordRefund: Message, Equatable {
        public static let type: MessageType = "finance.record_refund.v1"
        public var order: Int64
        public var amount: Money
        public var reason: String
        public var reference: String
        /// Which invoice lines it refunds (their VAT is reversed at their rates); absent: spread over the whole invoice.
        public var lines: [RefundLine]?
        public init(order: Int64, amount: Money, reason: String, reference: String, lines: [RefundLine]? = nil) {
            (self.order, self.amount, self.reason, self.reference, self.lines) = (order, amount, reason, reference, lines)
        }
    }

    /// Pays a supplier: one bill (`supplier` and `bill`), the supplier's open bills oldest
    /// due first (`supplier` alone), or the payable of a receipt booked without a purchase
    /// order (`purchaseReference`).
    public struct PaySupplier: Message, Equatable {
        public static let type: MessageType = "finance.pay_supplier.v1"
        public var purchaseReference: String?
        public var supplier: String?
        public var bill: String?
        public var amount: Money
        public var reference: String
        public var paidOn: BusinessDate?
        public init(purchaseReference: String, amount: Money, reference: String) {
            (self.purchaseReference, self.amount, self.reference) = (purchaseReference, amount, reference)
        }
        public init(supplier: String, bill: String? = nil, amount: Money, reference: String, paidOn: BusinessDate? = nil) {
            (self.supplier, self.bill, self.amount, self.reference, self.paidOn) = (supplier, bill, amount, reference, paidOn)
        }
    }

    /// Voids an issued invoice that was sent in error: its number stays used, its entries are reversed.
    public struct VoidInvoice: Message, Equatable {
        public static let type: MessageType = "finance.void_invoice.v1"
        /// The invoice; or, with `order`, that order's issued invoice.
        public var number: String?
        public var order: Int64?
        public var reason: String
        public init(number: String, reason: String) { (self.number, self.order, self.reason) = (number, nil, reason) }
        public init(order: Int64, reason: String) { (self.number, self.order, self.reason) = (nil, order, reason) }
    }

    /// Adds an account to the chart (a bank account, a marketing expense...).
    public struct AddAccount: Message, Equatable {
        public static let type: MessageType = "finance.add_account.v1"
        public var code: String
        public var name: String
        /// asset, liability, equity, revenue or expense.
        public var accountType: String
        public init(code: String, name: String, accountType: String) { (self.code, self.name, self.accountType) = (code, name, accountType) }
    }

    public struct Result: Codable, Sendable, Equatable {
        public var entry: Int64?
        public var document: String?
        public var openAmount: Money?
        public init(entry: Int64? = nil, document: String? = nil, openAmount: Money? = nil) {
            (self.entry, self.document, self.openAmount) = (entry, document, openAmount)
        }
    }
}

extension FinanceCommand {
    /// Moves orders' invoicing onto other orders (a split: one order to its children; a
    /// merge: several orders to one): the invoices of `from` are voided (reversed, even if
    /// paid), an invoice is issued for each order of `to`, and what was paid on `from` is
    /// carried to the new receivables. Each line of `to` names the line it came from; its
    /// VAT is its share of that line's VAT (largest remainder), so the VAT of the new
    /// invoices sums exactly to the old.
    public struct Reinvoice: Message, Equatable {
        public static let type: MessageType = "finance.reinvoice.v1"
        public struct Origin: Codable, Sendable, Equatable {
            public var order: Int64
            public var line: Int
            public var fromOrder: Int64
            public var fromLine: Int
            public init(order: Int64, line: Int, fromOrder: Int64, fromLine: Int) {
                (self.order, self.line, self.fromOrder, self.fromLine) = (order, line, fromOrder, fromLine)
            }
        }
        public var from: [Int64]
        public var to: [OrderSnapshot]
        public var origins: [Origin]
        public var reason: String
        public init(from: [Int64], to: [OrderSnapshot], origins: [Origin], reason: String) {
            (self.from, self.to, self.origins, self.reason) = (from, to, origins, reason)
        }
    }

    public struct Reinvoiced: Codable, Sendable, Equatable {
        public var voided: [String]
        public var issued: [String]
        /// What was paid on the old orders and now settles the new ones.
        public var carried: Money?
        public init(voided: [String], issued: [String], carried: Money?) { (self.voided, self.issued, self.carried) = (voided, issued, carried) }
    }
}
