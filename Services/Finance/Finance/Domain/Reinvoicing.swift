import Contracts

/// Invoices for orders made from other orders (a split's children, a merge's result),
/// from the old orders' invoices: each new line takes its share of the line it came from,
/// its VAT that line's VAT shared by amount (largest remainder), so the new invoices' net,
/// VAT and gross sum exactly to the old ones'. Shipping is shared the same way by the new
/// orders' shipping fees (a split), or summed (a merge). Pure.
public enum Reinvoicing {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public static func invoices(
        from old: [Invoice], to orders: [OrderSnapshot], origins: [FinanceCommand.Reinvoice.Origin], issuedOn: BusinessDate
    ) throws -> [Invoice] {
        guard let first = old.first else { throw Problem("no invoice to move from") }
        guard old.count == 1 || orders.count == 1 else { throw Problem("orders move one to many (a split) or many to one (a merge)") }
        guard old.allSatisfy({ $0.currency == first.currency && $0.pricesIncludeTax == first.pricesIncludeTax }) else {
            throw Problem("the invoices differ in currency or in whether prices include VAT")
        }
        struct Key: Hashable { let order: Int64, line: Int }
        var origin: [Key: Key] = [:]
        for entry in origins { origin[Key(order: entry.order, line: entry.line)] = Key(order: entry.fromOrder, line: entry.fromLine) }
        var sources: [Key: Invoice.Line] = [:]
        for invoice in old { for line in invoice.lines where line.sku != nil { sources[Key(order: invoice.order, line: line.number)] = line } }

        // Which new lines take from each old line, and by how much (their line totals).
        var takers: [Key: [(key: Key, amount: Money)]] = [:]
        for order in orders {
            guard order.currency == first.currency.code else {
                throw Problem("order \(order.order) is in \(order.currency), the invoices in \(first.currency.code)")
            }
            for line in order.lines {
                let key = Key(order: order.order, line: line.line)
                guard let from = origin[key], sources[from] != nil else {
                    throw Problem("line \(line.line) of order \(order.order) comes from no invoiced line")
                }
                takers[from, default: []].append((key, line.total))
            }
        }
        var shares: [Key: TaxCalculation.Line] = [:]
        for (from, source) in sources {
            let parts = takers[from] ?? []
            let base = first.pricesIncludeTax ? source.tax.gross : source.tax.net
            let sum = parts.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
            guard sum == base.minorUnits else {
                throw Problem(
                    "line \(from.line) of order \(from.order) is \(base) and its new lines sum to \(Money(minorUnits: sum, currency: base.currency))")
            }
            for (part, tax) in zip(parts, try share(source.tax.tax, by: parts.map(\.amount.minorUnits))) {
                shares[part.key] =
                    first.pricesIncludeTax
                    ? TaxCalculation.Line(
                        net: Money(minorUnits: part.amount.minorUnits - tax.minorUnits, currency: tax.currency), tax: tax, gross: part.amount,
                        basisPoints: source.tax.basisPoints)
                    : TaxCalculation.Line(
                        net: part.amount, tax: tax, gross: Money(minorUnits: part.amount.minorUnits + tax.minorUnits, currency: tax.currency),
                        basisPoints: source.tax.basisPoints)
            }
        }

        let oldShipping = old.compactMap { $0.lines.first { $0.sku == nil } }
        var shipping: [Int64: TaxCalculation.Line] = [:]
        let fees = orders.map(\.shippingFee.minorUnits)
        let oldFees = oldShipping.reduce(Int64(0)) { $0 + (first.pricesIncludeTax ? $1.tax.gross : $1.tax.net).minorUnits }
        guard fees.reduce(0, +) == oldFees else {
            throw Problem("the new shipping fees sum to \(fees.reduce(0, +)) minor units, the old to \(oldFees)")
        }
        if let rate = oldShipping.first?.tax.basisPoints {
            let tax = Money(minorUnits: oldShipping.reduce(Int64(0)) { $0 + $1.tax.tax.minorUnits }, currency: first.currency)
            for (order, part) in zip(orders, try share(tax, by: fees)) where !order.shippingFee.isZero {
                let fee = order.shippingFee
                shipping[order.order] =
                    first.pricesIncludeTax
                    ? TaxCalculation.Line(
                        net: Money(minorUnits: fee.minorUnits - part.minorUnits, currency: fee.currency), tax: part, gross: fee, basisPoints: rate)
                    : TaxCalculation.Line(
                        net: fee, tax: part, gross: Money(minorUnits: fee.minorUnits + part.minorUnits, currency: fee.currency), basisPoints: rate)
            }
        }

        return orders.map { order in
            var lines = order.lines.map { line in
                Invoice.Line(
                    number: line.line, sku: line.sku, description: line.sku, quantity: line.quantity,
                    tax: shares[Key(order: order.order, line: line.line)]!)
            }
            if let fee = shipping[order.order] {
                lines.append(Invoice.Line(number: (order.lines.map(\.line).max() ?? 0) + 1, sku: nil, description: "Shipping", quantity: 1, tax: fee))
            }
            return Invoice(
                kind: .invoice, order: order.order, channel: order.platform, customer: order.customer, currency: first.currency,
                pricesIncludeTax: first.pricesIncludeTax, lines: lines, issuedOn: issuedOn, dueOn: issuedOn.adding(days: Invoice.termsDays))
        }
    }

    /// `amount` shared by `weights` (largest remainder); all zero weights share nothing.
    static func share(_ amount: Money, by weights: [Int64]) throws -> [Money] {
        guard weights.contains(where: { $0 > 0 }) else { return weights.map { _ in Money(minorUnits: 0, currency: amount.currency) } }
        return try amount.allocate(weights)
    }
}
