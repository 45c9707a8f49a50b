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
        public init(order: Int64, amount: Money, method: String, reference: String? = nil) {
            (self.order, self.amount, self.method, self.reference) = (order, amount, method, reference)
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
        public init(order: Int64, amount: Money, reason: String, reference: String) {
            (self.order, self.amount, self.reason, self.reference) = (order, amount, reason, reference)
        }
    }

    /// Pays (part of) a supplier bill, identified by the purchase reference of the receipt.
    public struct PaySupplier: Message, Equatable {
        public static let type: MessageType = "finance.pay_supplier.v1"
        public var purchaseReference: String
        public var amount: Money
        public var reference: String
        public init(purchaseReference: String, amount: Money, reference: String) {
            (self.purchaseReference, self.amount, self.reference) = (purchaseReference, amount, reference)
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
