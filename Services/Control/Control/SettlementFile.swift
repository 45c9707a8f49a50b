import Catalog
import Contracts
import Finance

/// A platform's settlement file, read into settlement lines: the ERP's own CSV format, or
/// Shopify's payment transactions export. Every row is checked; a file with any bad row is
/// refused whole, with every bad row named. Pure.
public enum SettlementFile {
    public enum Format: String, CaseIterable, Sendable { case erp, shopify }

    /// The ERP's format: this header, then one line per order or adjustment.
    public static let erpHeader = ["order", "type", "gross", "fee", "refund", "net", "payout_date", "currency"]

    public struct Read: Sendable, Equatable {
        public let lines: [FinanceCommand.SettlementLine]
        /// Rows left out on purpose (Shopify's payouts themselves, transactions not paid out yet).
        public let skipped: Int
    }

    public struct Problems: Error, Equatable, CustomStringConvertible {
        public let problems: [String]
        public var description: String {
            (problems.prefix(20) + (problems.count > 20 ? ["... and \(problems.count - 20) more"] : [])).joined(separator: "\n")
        }
    }

    public static func read(_ text: String, format: Format) throws -> Read {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch { throw Problems(problems: ["\(error)"]) }
        guard let header = records.first else { throw Problems(problems: ["the file is empty"]) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var lines: [FinanceCommand.SettlementLine] = []
        var problems: [String] = []
        var skipped = 0
        let columns: [String: Int] = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let needed = format == .erp ? erpHeader : ["type", "order", "payout date", "amount", "fee", "net", "currency"]
        let missing = needed.filter { columns[$0] == nil }
        guard missing.isEmpty else {
            throw Problems(problems: [
                "line \(header.line): the header lacks \(missing.joined(separator: ", ")) (it has \(names.joined(separator: ", ")))"
            ])
        }
        var seen: [String: Int] = [:]
        for record in records.dropFirst() where !record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            func field(_ name: String) -> String {
                guard let index = columns[name], index < record.fields.count else { return "" }
                return record.fields[index].trimmingCharacters(in: .whitespaces)
            }
            do {
                guard var line = try format == .erp ? erpLine(record.line, field) : shopifyLine(record.line, field) else {
                    skipped += 1
                    continue
                }
                line.occurrence = seen[line.identity, default: 0]
                seen[line.identity, default: 0] += 1
                lines.append(line)
            } catch {
                problems.append("line \(record.line): \(error)")
            }
        }
        guard problems.isEmpty else { throw Problems(problems: problems) }
        guard !lines.isEmpty else { throw Problems(problems: ["the file has no settlement lines"]) }
        return Read(lines: lines, skipped: skipped)
    }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func erpLine(_ row: Int, _ field: (String) -> String) throws -> FinanceCommand.SettlementLine? {
        let currency = try self.currency(field("currency"))
        let kindText = field("type").lowercased()
        guard let kind = kindText.isEmpty ? .order : FinanceCommand.SettlementLine.Kind(rawValue: kindText) else {
            throw Invalid("type '\(kindText)' is not order or adjustment")
        }
        let order = field("order")
        return try line(
            row: row, kind: kind, order: order, gross: try amount(field("gross"), currency, "gross"), fee: try amount(field("fee"), currency, "fee"),
            refund: try amount(field("refund"), currency, "refund"), net: try amount(field("net"), currency, "net"), payout: field("payout_date"))
    }

    /// Shopify's payment transactions export: a charge is an order's gross (Amount) and fee; a
    /// refund is money paid back (−Amount); anything else (chargebacks, adjustments) an
    /// adjustment. Payouts themselves and rows not paid out yet are skipped.
    static func shopifyLine(_ row: Int, _ field: (String) -> String) throws -> FinanceCommand.SettlementLine? {
        let type = field("type").lowercased()
        guard type != "payout", !field("payout date").isEmpty else { return nil }
        let currency = try self.currency(field("currency"))
        let amount = try amount(field("amount"), currency, "Amount")
        let fee = try Self.amount(field("fee"), currency, "Fee"), net = try Self.amount(field("net"), currency, "Net")
        let zero = Money(minorUnits: 0, currency: currency)
        var order = field("order")
        if order.hasPrefix("#") { order.removeFirst() }
        let payout = String(field("payout date").prefix(10))
        switch type {
        case "charge":
            return try line(row: row, kind: .order, order: order, gross: amount, fee: fee, refund: zero, net: net, payout: payout)
        case "refund":
            return try line(
                row: row, kind: .order, order: order, gross: zero, fee: fee, refund: Money(minorUnits: -amount.minorUnits, currency: currency),
                net: net,
                payout: payout)
        default:
            return try line(row: row, kind: .adjustment, order: order, gross: amount, fee: fee, refund: zero, net: net, payout: payout)
        }
    }

    static func line(
        row: Int, kind: FinanceCommand.SettlementLine.Kind, order: String, gross: Money, fee: Money, refund: Money, net: Money, payout: String
    ) throws -> FinanceCommand.SettlementLine {
        if kind == .order && order.isEmpty { throw Invalid("an order line names its order") }
        guard order.count <= 100, !order.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Invalid("the order id is longer than 100 characters or holds a control character")
        }
        let payoutDate: BusinessDate
        do { payoutDate = try BusinessDate(payout) } catch { throw Invalid("payout date '\(payout)' is not YYYY-MM-DD") }
        let expected = try (gross - fee) - refund
        guard expected == net else { throw Invalid("net \(net) is not gross − fee − refund = \(expected)") }
        return FinanceCommand.SettlementLine(
            row: row, kind: kind, externalId: order.isEmpty ? nil : order, gross: gross, fee: fee, refund: refund, net: net, payoutDate: payoutDate)
    }

    static func currency(_ code: String) throws -> Currency {
        do { return try Currency(code: code.uppercased()) } catch { throw Invalid("currency '\(code)' is not a currency code") }
    }

    static func amount(_ text: String, _ currency: Currency, _ name: String) throws -> Money {
        if text.isEmpty { return Money(minorUnits: 0, currency: currency) }
        do { return try Money(parsing: text, currency: currency) } catch { throw Invalid("\(name) '\(text)': \(error)") }
    }
}
