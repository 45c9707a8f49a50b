import Contracts
import Finance
import Testing

@Suite struct TaxTests {
    static func cny(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }

    @Test func taxInclusivePricesSplitIntoNetAndTaxRoundedHalfUp() throws {
        let line = try TaxCalculation.line(Self.cny(11_300), basisPoints: 1_300, inclusive: true)
        #expect(line.net == Self.cny(10_000) && line.tax == Self.cny(1_300))
        let odd = try TaxCalculation.line(Self.cny(999), basisPoints: 1_300, inclusive: true)  // 999 / 1.13 = 884.07 → 884
        #expect(odd.net == Self.cny(884) && odd.tax == Self.cny(115) && odd.gross == Self.cny(999))
    }

    @Test func taxExclusivePricesAddTaxRoundedHalfUp() throws {
        let line = try TaxCalculation.line(Self.cny(1_050), basisPoints: 600, inclusive: false)  // 63.0
        #expect(line.tax == Self.cny(63) && line.gross == Self.cny(1_113))
        let half = try TaxCalculation.line(Self.cny(50), basisPoints: 900, inclusive: false)  // 4.5 → 5
        #expect(half.tax == Self.cny(5))
    }

    @Test func perLineRoundingDiffersFromRoundingTheWholeOrder() throws {
        // Three lines of 0.99 each at 13 %, prices including tax.
        let lines = try (0..<3).map { _ in try TaxCalculation.line(Self.cny(99), basisPoints: 1_300, inclusive: true) }
        let perLineTax = lines.reduce(0) { $0 + $1.tax.minorUnits }
        let wholeOrder = try TaxCalculation.line(Self.cny(297), basisPoints: 1_300, inclusive: true)
        #expect(perLineTax == 33, "each line: 99 − round(99 / 1.13) = 99 − 88 = 11")
        #expect(wholeOrder.tax.minorUnits == 34, "297 − round(297 / 1.13) = 297 − 263 = 34")
        #expect(perLineTax != wholeOrder.tax.minorUnits)
    }

    @Test func negativeAmountsRoundSymmetrically() {
        #expect(TaxCalculation.divideHalfUp(-15, by: 10) == -2)
        #expect(TaxCalculation.divideHalfUp(15, by: 10) == 2)
        #expect(TaxCalculation.divideHalfUp(14, by: 10) == 1)
    }

    @Test func anEntryMustBalanceAndHaveTwoLines() throws {
        var entry = JournalEntry(currency: .cny)
        entry.debit(Accounts.receivables, 11_300)
        #expect(throws: JournalEntry.Problem.tooFewLines) { try entry.checked() }
        entry.credit(Accounts.salesRevenue, 10_000)
        entry.credit(Accounts.outputVAT, 1_200)
        #expect(throws: JournalEntry.Problem.unbalanced(debits: 11_300, credits: 11_200)) { try entry.checked() }
        var fixed = JournalEntry(currency: .cny)
        fixed.debit(Accounts.receivables, 11_300)
        fixed.credit(Accounts.salesRevenue, 10_000)
        fixed.credit(Accounts.outputVAT, 1_300)
        #expect(try fixed.checked().reversed.debits == 11_300)
    }

    @Test func overdueDaysFallIntoTheirBuckets() {
        let buckets = [0, 1, 30, 31, 60, 61, 90, 91].map { AgeingBucket.of(daysOverdue: $0) }
        #expect(buckets == [.current, .days1to30, .days1to30, .days31to60, .days31to60, .days61to90, .days61to90, .over90])
    }

    @Test func aCreditNoteSpreadsTheRefundOverTheLinesSoThePartsSumExactly() throws {
        let order = OrderSnapshot(
            order: 1, platform: "web", shop: "main", externalId: "X", revision: 1, status: .paid, currency: "CNY", pricesIncludeTax: true,
            lines: [
                .init(line: 1, sku: "A", quantity: 1, unitPrice: Self.cny(10_000), discount: Self.cny(0), total: Self.cny(10_000)),
                .init(line: 2, sku: "B", quantity: 1, unitPrice: Self.cny(5_000), discount: Self.cny(0), total: Self.cny(5_000)),
            ],
            shippingFee: Self.cny(0), total: Self.cny(15_000), paymentStatus: .paid, customer: nil, shippingAddress: nil, shippingMethod: nil,
            placedAt: .init(timeIntervalSince1970: 0))
        let invoice = try Invoice.forOrder(order, taxCategories: ["B": "reduced"], rates: .standard, issuedOn: try BusinessDate("2026-11-01"))
        #expect(invoice.lines.map(\.tax.basisPoints) == [1_300, 900])
        let note = try invoice.creditNote(for: Self.cny(1_001), issuedOn: try BusinessDate("2026-11-02"))
        #expect(note.gross == Self.cny(-1_001))
        #expect(note.net.minorUnits + note.tax.minorUnits == -1_001)
    }
}

@Suite struct TaxOverflowTests {
    @Test func anAmountTooLargeToComputeTaxOnThrowsInsteadOfTrapping() {
        let tenTrillion = Money(minorUnits: 1_000_000_000_000_000, currency: .cny)
        #expect(throws: MoneyError.overflow) { try TaxCalculation.line(tenTrillion, basisPoints: 1_300, inclusive: true) }
        let largest = Money(minorUnits: .max, currency: .cny)
        #expect(throws: MoneyError.overflow) { try TaxCalculation.line(largest, basisPoints: 1_300, inclusive: false) }
    }

    @Test func roundingHalfUpHoldsAtTheEdgesOfSixtyFourBits() {
        #expect(TaxCalculation.divideHalfUp(.max, by: 10_000) == 922_337_203_685_478)
        #expect(TaxCalculation.divideHalfUp(.min, by: 10_000) == -922_337_203_685_478)
        #expect(TaxCalculation.divideHalfUp(15_000, by: 10_000) == 2 && TaxCalculation.divideHalfUp(-15_000, by: 10_000) == -2)
        #expect(TaxCalculation.divideHalfUp(14_999, by: 10_000) == 1)
    }
}
