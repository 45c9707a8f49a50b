/// Finance's side of purchasing: supplier bills matched against their purchase order and
/// receipts, held when they do not match, and decided by a person.
extension FinanceCommand {
    /// A supplier's bill for (part of) a purchase order, as the supplier printed it.
    public struct RecordSupplierBill: Message, Equatable {
        public static let type: MessageType = "finance.record_supplier_bill.v1"
        public struct Line: Codable, Sendable, Equatable {
            /// The purchase order line it bills.
            public var orderLine: Int
            public var quantity: Int
            /// Net of VAT.
            public var unitPrice: Money
            public init(orderLine: Int, quantity: Int, unitPrice: Money) {
                (self.orderLine, self.quantity, self.unitPrice) = (orderLine, quantity, unitPrice)
            }
        }
        public var supplier: String
        public var purchaseOrder: String
        /// The supplier's own number for it (unique per supplier).
        public var number: String
        public var lines: [Line]
        /// The bill's total including VAT, as printed on it.
        public var amount: Money
        /// The VAT it states; absent: the VAT of its lines at their SKUs' rates.
        public var tax: Money?
        public var billDate: BusinessDate?
        public init(
            supplier: String, purchaseOrder: String, number: String, lines: [Line], amount: Money, tax: Money? = nil, billDate: BusinessDate? = nil
        ) {
            (self.supplier, self.purchaseOrder, self.number, self.lines) = (supplier, purchaseOrder, number, lines)
            (self.amount, self.tax, self.billDate) = (amount, tax, billDate)
        }
    }

    /// Approves a held bill (it is booked as it is) or rejects it (it is never booked).
    public struct DecideSupplierBill: Message, Equatable {
        public static let type: MessageType = "finance.decide_supplier_bill.v1"
        public var supplier: String
        public var number: String
        public var approve: Bool
        public var note: String
        public init(supplier: String, number: String, approve: Bool, note: String) {
            (self.supplier, self.number, self.approve, self.note) = (supplier, number, approve, note)
        }
    }

    public struct SupplierBillResult: Codable, Sendable, Equatable {
        /// booked, held or rejected.
        public var status: String
        /// The payable's document (`SUPPLIER/NUMBER`).
        public var document: String
        public var net: Money
        public var tax: Money
        public var gross: Money
        /// Why it is held: every way it does not match its order and receipts.
        public var reasons: [String]?
        public var entry: Int64?
        public var due: BusinessDate?
        public init(
            status: String, document: String, net: Money, tax: Money, gross: Money, reasons: [String]?, entry: Int64?, due: BusinessDate?
        ) {
            (self.status, self.document, self.net, self.tax, self.gross) = (status, document, net, tax, gross)
            (self.reasons, self.entry, self.due) = (reasons, entry, due)
        }
    }
}
