import Contracts
import Foundation

/// A sales invoice (or credit note) computed from an order: one line per order line at
/// its SKU's VAT rate, plus the shipping fee at the standard rate, each rounded on its own.
/// Pure; the store gives it its number and keeps it with its rendered document.
public struct Invoice: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let number: Int
        public let sku: String?
        public let description: String
        public let quantity: Int
        public let tax: TaxCalculation.Line
    }

    public enum Kind: String, Sendable { case invoice, creditNote = "credit_note" }

    public var number = ""
    public let kind: Kind
    public let order: Int64
    public let channel: String
    public let customer: CanonicalOrder.Customer?
    public let currency: Currency
    public let pricesIncludeTax: Bool
    public let lines: [Line]
    public let issuedOn: BusinessDate
    public let dueOn: BusinessDate
    public var corrects: String?

    public var net: Money { Money(minorUnits: lines.reduce(0) { $0 + $1.tax.net.minorUnits }, currency: currency) }
    public var tax: Money { Money(minorUnits: lines.reduce(0) { $0 + $1.tax.tax.minorUnits }, currency: currency) }
    public var gross: Money { Money(minorUnits: lines.reduce(0) { $0 + $1.tax.gross.minorUnits }, currency: currency) }

    /// Payment terms: an invoice is due this many days after it is issued.
    public static let termsDays = 30

    public static func forOrder(
        _ order: OrderSnapshot, taxCategories: [String: String], rates: TaxRates, issuedOn: BusinessDate
    ) throws -> Invoice {
        let currency = try Currency(code: order.currency)
        var lines = try order.lines.map { line in
            Line(
                number: line.line, sku: line.sku, description: line.sku, quantity: line.quantity,
                tax: try TaxCalculation.line(
                    line.total, basisPoints: rates.rate(taxCategories[line.sku] ?? "standard"), inclusive: order.pricesIncludeTax))
        }
        if !order.shippingFee.isZero {
            lines.append(
                Line(
                    number: (order.lines.map(\.line).max() ?? 0) + 1, sku: nil, description: "Shipping", quantity: 1,
                    tax: try TaxCalculation.line(order.shippingFee, basisPoints: rates.rate("standard"), inclusive: order.pricesIncludeTax)))
        }
        return Invoice(
            kind: .invoice, order: order.order, channel: order.platform, customer: order.customer, currency: currency,
            pricesIncludeTax: order.pricesIncludeTax, lines: lines, issuedOn: issuedOn, dueOn: issuedOn.adding(days: termsDays))
    }

    /// A credit note for `amount` (gross) against this invoice: the amount is spread over the
    /// invoice's lines in proportion to their gross (largest remainder, so the parts sum to
    /// it exactly), and each part's VAT is worked out at that line's rate. Amounts are negative.
    public func creditNote(for amount: Money, issuedOn: BusinessDate) throws -> Invoice {
        let parts = try amount.allocate(lines.map(\.tax.gross.minorUnits))
        return try creditNote(lines: zip(lines, parts).filter { !$0.1.isZero }.map { ($0.0.number, $0.1, nil) }, issuedOn: issuedOn)
    }

    /// A credit note for given amounts (gross) of given lines (a return of those lines, with
    /// the units returned, or a refund of money only, without): each line's VAT is reversed
    /// at that line's rate. Amounts are negative.
    public func creditNote(lines refunded: [(line: Int, amount: Money, quantity: Int?)], issuedOn: BusinessDate) throws -> Invoice {
        let credited = try refunded.map { part -> Line in
            guard let line = lines.first(where: { $0.number == part.line }) else { throw CreditProblem("invoice \(number) has no line \(part.line)") }
            guard part.amount.currency == currency, !part.amount.isNegative, part.amount.minorUnits <= line.tax.gross.minorUnits else {
                throw CreditProblem("line \(part.line): \(part.amount) is more than its \(line.tax.gross)")
            }
            if let quantity = part.quantity, quantity < 0 || quantity > line.quantity {
                throw CreditProblem("line \(part.line): \(quantity) units is more than its \(line.quantity)")
            }
            let tax = try TaxCalculation.line(part.amount, basisPoints: line.tax.basisPoints, inclusive: true)
            return Line(
                number: line.number, sku: line.sku, description: "Credit: \(line.description)", quantity: part.quantity ?? 0,
                tax: TaxCalculation.Line(net: -tax.net, tax: -tax.tax, gross: -tax.gross, basisPoints: tax.basisPoints))
        }
        return Invoice(
            number: "", kind: .creditNote, order: order, channel: channel, customer: customer, currency: currency, pricesIncludeTax: true,
            lines: credited, issuedOn: issuedOn, dueOn: issuedOn, corrects: number)
    }

    public struct CreditProblem: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The invoice as an HTML document (archived in the database with it).
    public var html: String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let title = kind == .invoice ? "Invoice" : "Credit note"
        let rows = lines.map { line in
            "<tr><td>\(line.number)</td><td>\(escape(line.description))</td><td>\(line.quantity)</td>"
                + "<td>\(line.tax.net.decimalString)</td><td>\(Double(line.tax.basisPoints) / 100)%</td>"
                + "<td>\(line.tax.tax.decimalString)</td><td>\(line.tax.gross.decimalString)</td></tr>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(title) \(escape(number))</title></head>
            <body>
            <h1>\(title) \(escape(number))</h1>
            <p>Order \(order) (\(escape(channel)))\(corrects.map { ", corrects invoice \(escape($0))" } ?? "")</p>
            <p>Customer: \(escape(customer?.name ?? "-")) \(escape(customer?.email ?? ""))</p>
            <p>Issued \(issuedOn), due \(dueOn). Prices \(pricesIncludeTax ? "include" : "exclude") VAT.</p>
            <table>
            <tr><th>#</th><th>Item</th><th>Qty</th><th>Net</th><th>VAT rate</th><th>VAT</th><th>Gross</th></tr>
            \(rows)
            </table>
            <p>Net \(net.decimalString) · VAT \(tax.decimalString) · <strong>Total \(gross.decimalString) \(currency.code)</strong></p>
            </body></html>
            """
    }
}
