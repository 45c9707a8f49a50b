import Contracts

/// The three-way match of a supplier bill: each line against its purchase order line (the
/// price) and the units received on it (the quantity, with what earlier bills took), and the
/// bill's VAT and total against its lines. Within the tolerance it is booked; otherwise it is
/// held, with every reason. Pure.
public struct BillMatch: Sendable, Equatable {
    public struct OrderLine: Sendable, Equatable {
        public let line: Int
        public let sku: String
        public let unitPrice: Money
        public let received: Int
        /// Units of this line on earlier bills (booked or held, not rejected).
        public let billed: Int
        public let basisPoints: Int
        public init(line: Int, sku: String, unitPrice: Money, received: Int, billed: Int, basisPoints: Int) {
            (self.line, self.sku, self.unitPrice, self.received, self.billed, self.basisPoints) = (
                line, sku, unitPrice, received, billed, basisPoints
            )
        }
    }

    public struct Line: Sendable, Equatable {
        public let orderLine: Int
        public let sku: String
        public let quantity: Int
        public let unitPrice: Money
        public let tax: TaxCalculation.Line
        /// What the units cost at the order's price (what their receipts booked as goods received not invoiced).
        public let atOrderPrice: Money
    }

    public let lines: [Line]
    public let net: Money
    public let tax: Money
    public let gross: Money
    /// Empty when the bill matches.
    public let reasons: [String]

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self {
            case .invalid(let why): return why
            }
        }
    }

    /// Matches `bill`'s lines against `order` (keyed by line). Throws for a bill that cannot be
    /// a bill of this order at all (a line it does not have, another currency, no lines).
    public static func match(
        _ bill: FinanceCommand.RecordSupplierBill, order: [Int: OrderLine], currency: Currency, tolerancePercent: Int
    ) throws -> BillMatch {
        guard !bill.lines.isEmpty else { throw Refusal.invalid("a bill has at least one line") }
        guard bill.amount.currency == currency else {
            throw Refusal.invalid("the bill is in \(bill.amount.currency.code), the order in \(currency.code)")
        }
        if let tax = bill.tax {
            guard tax.currency == currency else { throw Refusal.invalid("the VAT is in \(tax.currency.code), the order in \(currency.code)") }
            guard !tax.isNegative else { throw Refusal.invalid("the VAT \(tax) is negative") }
        }
        guard !bill.amount.isNegative else { throw Refusal.invalid("the amount \(bill.amount) is negative") }
        var seen = Set<Int>()
        var lines: [Line] = []
        var reasons: [String] = []
        for line in bill.lines {
            guard let ordered = order[line.orderLine] else { throw Refusal.invalid("\(bill.purchaseOrder) has no line \(line.orderLine)") }
            guard seen.insert(line.orderLine).inserted else { throw Refusal.invalid("line \(line.orderLine) is billed twice on one bill") }
            guard line.quantity > 0, line.quantity <= 1_000_000 else {
                throw Refusal.invalid("line \(line.orderLine): the quantity is 1 to 1000000 (got \(line.quantity))")
            }
            guard line.unitPrice.currency == currency else {
                throw Refusal.invalid("line \(line.orderLine): the price is in \(line.unitPrice.currency.code), the order in \(currency.code)")
            }
            guard !line.unitPrice.isNegative else { throw Refusal.invalid("line \(line.orderLine): the price \(line.unitPrice) is negative") }
            let net = try line.unitPrice.times(line.quantity)
            let tax = try TaxCalculation.line(net, basisPoints: ordered.basisPoints, inclusive: false)
            lines.append(
                Line(
                    orderLine: line.orderLine, sku: ordered.sku, quantity: line.quantity, unitPrice: line.unitPrice, tax: tax,
                    atOrderPrice: try ordered.unitPrice.times(line.quantity)))
            let name = "line \(line.orderLine) (\(ordered.sku))"
            let billed = ordered.billed + line.quantity
            if billed * 100 > ordered.received * (100 + tolerancePercent) {
                let before = ordered.billed > 0 ? " (\(ordered.billed) on earlier bills)" : ""
                reasons.append("\(name): \(billed) units billed\(before), \(ordered.received) received")
            }
            if !within(line.unitPrice.minorUnits, of: ordered.unitPrice.minorUnits, percent: tolerancePercent) {
                reasons.append("\(name): unit price \(line.unitPrice), ordered at \(ordered.unitPrice)")
            }
        }
        let net = try Money.sum(lines.map(\.tax.net), currency: currency)
        let computedTax = try Money.sum(lines.map(\.tax.tax), currency: currency)
        let tax = bill.tax ?? computedTax
        // Rounding: a supplier may round the VAT of the whole bill, not of each line.
        if (tax.minorUnits - computedTax.minorUnits).magnitude > UInt64(lines.count) {
            reasons.append("VAT \(tax) stated, \(computedTax) at the SKUs' rates")
        }
        let added = try net + tax
        if bill.amount != added { reasons.append("total \(bill.amount) stated, the lines and VAT add up to \(added)") }
        // What is booked is what the supplier asks for: the total as printed, its VAT, and the
        // rest as net (any difference from the order's prices goes to price variance).
        return BillMatch(lines: lines, net: try bill.amount - tax, tax: tax, gross: bill.amount, reasons: reasons)
    }

    /// |a - b| within `percent` of b (exactly equal when percent is 0).
    static func within(_ a: Int64, of b: Int64, percent: Int) -> Bool {
        let difference = a > b ? a - b : b - a
        let (scaled, overflow) = difference.multipliedReportingOverflow(by: 100)
        guard !overflow else { return false }
        let (allowed, overflow2) = b.magnitude.multipliedReportingOverflow(by: UInt64(percent))
        return !overflow2 && scaled.magnitude <= allowed
    }
}
