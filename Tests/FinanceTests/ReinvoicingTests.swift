import Contracts
import Finance
import Foundation
import Testing

/// New invoices for split or merged orders take exact shares of the old ones.
@Suite struct ReinvoicingTests {
    static func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }

    static func order(_ id: Int64, _ lines: [(Int, Int, Int64)], shipping: Int64) -> OrderSnapshot {
        OrderSnapshot(
            order: id, platform: "web", shop: "main", externalId: "E\(id)", revision: 1, status: .paid, currency: "CNY", pricesIncludeTax: true,
            lines: lines.map {
                .init(line: $0.0, sku: "SKU\($0.0)", quantity: $0.1, unitPrice: money($0.2 / Int64($0.1)), discount: money(0), total: money($0.2))
            },
            shippingFee: money(shipping), total: money(lines.reduce(0) { $0 + $1.2 } + shipping), paymentStatus: .paid, customer: nil,
            shippingAddress: nil, shippingMethod: nil, placedAt: Date(timeIntervalSince1970: 0))
    }

    static let rates = TaxRates.standard

    @Test func aSplitsInvoicesSumExactlyToTheParentsNetTaxAndGross() throws {
        let parent = Self.order(1, [(1, 3, 10_000), (2, 1, 3_333)], shipping: 1_001)
        let old = try Invoice.forOrder(parent, taxCategories: [:], rates: Self.rates, issuedOn: try BusinessDate("2026-11-29"))
        let children = [
            Self.order(2, [(1, 1, 3_334)], shipping: 334), Self.order(3, [(1, 1, 3_333)], shipping: 333),
            Self.order(4, [(1, 1, 3_333), (2, 1, 3_333)], shipping: 334),
        ]
        let origins = children.flatMap { child in
            child.lines.map { FinanceCommand.Reinvoice.Origin(order: child.order, line: $0.line, fromOrder: 1, fromLine: $0.line) }
        }
        let new = try Reinvoicing.invoices(from: [old], to: children, origins: origins, issuedOn: try BusinessDate("2026-11-29"))
        #expect(new.map(\.order) == [2, 3, 4])
        #expect(new.map(\.gross.minorUnits).reduce(0, +) == old.gross.minorUnits)
        #expect(new.map(\.tax.minorUnits).reduce(0, +) == old.tax.minorUnits)
        #expect(new.map(\.net.minorUnits).reduce(0, +) == old.net.minorUnits)
        #expect(new.map(\.gross.minorUnits) == children.map(\.total.minorUnits))
    }

    @Test func aMergesInvoiceSumsItsSourcesInvoices() throws {
        let a = Self.order(1, [(1, 1, 9_999)], shipping: 500), b = Self.order(2, [(1, 2, 2_001)], shipping: 700)
        let day = try BusinessDate("2026-11-29")
        let old = [
            try Invoice.forOrder(a, taxCategories: [:], rates: Self.rates, issuedOn: day),
            try Invoice.forOrder(b, taxCategories: [:], rates: Self.rates, issuedOn: day),
        ]
        let merged = Self.order(3, [(1, 1, 9_999), (2, 2, 2_001)], shipping: 1_200)
        let new = try Reinvoicing.invoices(
            from: old, to: [merged],
            origins: [
                .init(order: 3, line: 1, fromOrder: 1, fromLine: 1), .init(order: 3, line: 2, fromOrder: 2, fromLine: 1),
            ], issuedOn: day)
        #expect(new[0].tax.minorUnits == old[0].tax.minorUnits + old[1].tax.minorUnits)
        #expect(new[0].gross.minorUnits == 9_999 + 2_001 + 1_200)
    }

    @Test func newLinesThatDoNotAddUpToTheOldLineAreRefused() throws {
        let parent = Self.order(1, [(1, 2, 10_000)], shipping: 0)
        let old = try Invoice.forOrder(parent, taxCategories: [:], rates: Self.rates, issuedOn: try BusinessDate("2026-11-29"))
        let children = [Self.order(2, [(1, 1, 5_000)], shipping: 0), Self.order(3, [(1, 1, 4_999)], shipping: 0)]
        let origins = children.map { FinanceCommand.Reinvoice.Origin(order: $0.order, line: 1, fromOrder: 1, fromLine: 1) }
        do {
            _ = try Reinvoicing.invoices(from: [old], to: children, origins: origins, issuedOn: try BusinessDate("2026-11-29"))
            Issue.record("shares that lose a cent were accepted")
        } catch let problem as Reinvoicing.Problem {
            #expect(problem.description.contains("sum to"), "\(problem)")
        }
    }
}
