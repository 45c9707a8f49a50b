import Contracts
import Finance
import Testing

/// The three-way match and the currency conversion, without a database.
struct BillMatchTests {
    static func cny(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }

    static let order: [Int: BillMatch.OrderLine] = [
        1: BillMatch.OrderLine(line: 1, sku: "BOLT", unitPrice: cny(2_500), received: 10, billed: 0, basisPoints: 1_300),
        2: BillMatch.OrderLine(line: 2, sku: "NUT", unitPrice: cny(1_000), received: 4, billed: 2, basisPoints: 900),
    ]

    static func bill(_ lines: [(Int, Int, Int64)], amount: Int64, tax: Int64? = nil) -> FinanceCommand.RecordSupplierBill {
        FinanceCommand.RecordSupplierBill(
            supplier: "ACME", purchaseOrder: "PO-1", number: "INV-9",
            lines: lines.map { .init(orderLine: $0.0, quantity: $0.1, unitPrice: cny($0.2)) },
            amount: cny(amount), tax: tax.map(cny))
    }

    @Test func aBillAtTheOrdersPricesForWhatWasReceivedMatches() throws {
        // 10 × 25.00 at 13 % + 2 × 10.00 at 9 %: net 270.00, VAT 32.50 + 1.80.
        let match = try BillMatch.match(
            Self.bill([(1, 10, 2_500), (2, 2, 1_000)], amount: 30_430), order: Self.order, currency: .cny, tolerancePercent: 0)
        #expect(match.reasons.isEmpty, "\(match.reasons)")
        #expect(match.net == Self.cny(27_000))
        #expect(match.tax == Self.cny(3_430))
        #expect(match.lines.map(\.atOrderPrice) == [Self.cny(25_000), Self.cny(2_000)])
    }

    @Test func moreUnitsThanReceivedWithEarlierBillsAndAnotherPriceAreEachAReason() throws {
        let match = try BillMatch.match(
            Self.bill([(1, 10, 2_600), (2, 3, 1_000)], amount: 32_650), order: Self.order, currency: .cny, tolerancePercent: 0)
        #expect(
            match.reasons == [
                "line 1 (BOLT): unit price 26.00 CNY, ordered at 25.00 CNY",
                "line 2 (NUT): 5 units billed (2 on earlier bills), 4 received",
            ], "\(match.reasons)")
    }

    @Test func theToleranceAllowsSmallDifferencesOfQuantityAndPrice() throws {
        let bill = Self.bill([(1, 11, 2_600)], amount: 32_318)
        let strict = try BillMatch.match(bill, order: Self.order, currency: .cny, tolerancePercent: 0)
        let tolerant = try BillMatch.match(bill, order: Self.order, currency: .cny, tolerancePercent: 10)
        #expect(strict.reasons.count == 2)
        #expect(tolerant.reasons.isEmpty, "\(tolerant.reasons)")
    }

    @Test func aStatedVATOrTotalThatDoesNotAddUpIsHeld() throws {
        let wrongTax = try BillMatch.match(
            Self.bill([(1, 10, 2_500)], amount: 28_000, tax: 3_000), order: Self.order, currency: .cny, tolerancePercent: 0)
        #expect(wrongTax.reasons == ["VAT 30.00 CNY stated, 32.50 CNY at the SKUs' rates"], "\(wrongTax.reasons)")
        let wrongTotal = try BillMatch.match(Self.bill([(1, 10, 2_500)], amount: 28_300), order: Self.order, currency: .cny, tolerancePercent: 0)
        #expect(wrongTotal.reasons == ["total 283.00 CNY stated, the lines and VAT add up to 282.50 CNY"], "\(wrongTotal.reasons)")
        // Booked as asked if approved: the total as printed, the rest of it net.
        #expect(wrongTotal.gross == Self.cny(28_300))
        #expect(wrongTotal.net == Self.cny(25_050))
    }

    @Test(arguments: [
        ([(3, 1, Int64(100))], "PO-1 has no line 3"),
        ([(1, 1, Int64(100)), (1, 2, Int64(100))], "line 1 is billed twice on one bill"),
        ([(1, 0, Int64(100))], "line 1: the quantity is 1 to 1000000 (got 0)"),
        ([(1, 1, Int64(-100))], "line 1: the price -1.00 CNY is negative"),
    ])
    func aBillThatCannotBeABillOfTheOrderIsRefused(lines: [(Int, Int, Int64)], why: String) throws {
        #expect(throws: BillMatch.Refusal.invalid(why)) {
            try BillMatch.match(Self.bill(lines, amount: 100), order: Self.order, currency: .cny, tolerancePercent: 0)
        }
    }

    @Test func aBillInAnotherCurrencyThanItsOrderIsRefused() throws {
        var bill = Self.bill([(1, 1, 2_500)], amount: 2_825)
        bill.amount = Money(minorUnits: 2_825, currency: .usd)
        #expect(throws: BillMatch.Refusal.invalid("the bill is in USD, the order in CNY")) {
            try BillMatch.match(bill, order: Self.order, currency: .cny, tolerancePercent: 0)
        }
    }
}

struct CurrencyConversionTests {
    static let rates = CurrencyConversion(
        base: .cny,
        rates: [
            .init(currency: "USD", effectiveOn: try! BusinessDate("2026-11-01"), rate: "7.12"),
            .init(currency: "USD", effectiveOn: try! BusinessDate("2026-12-01"), rate: "7.2"),
            .init(currency: "JPY", effectiveOn: try! BusinessDate("2026-11-01"), rate: "0.0475"),
        ])

    @Test func anAmountIsConvertedAtTheRateInForceOnItsDay() throws {
        let november = try Self.rates.convert(10_000, "USD", on: try BusinessDate("2026-11-30"))
        let december = try Self.rates.convert(10_000, "USD", on: try BusinessDate("2026-12-01"))
        #expect(november.minorUnits == 71_200)
        #expect(november.rate.rate == "7.12")
        #expect(december.minorUnits == 72_000)
        // Yen have no minor units: 1,234 JPY × 0.0475 = 58.615 CNY, rounded half up.
        #expect(try Self.rates.convert(1_234, "JPY", on: try BusinessDate("2026-11-15")).minorUnits == 5_862)
        #expect(try Self.rates.convert(-10_000, "USD", on: try BusinessDate("2026-11-30")).minorUnits == -71_200)
    }

    @Test func theBaseCurrencyIsItselfAndAMissingRateIsAnErrorNamingCurrencyAndDay() throws {
        #expect(try Self.rates.convert(123, "CNY", on: try BusinessDate("2020-01-01")).minorUnits == 123)
        let day = try BusinessDate("2026-10-31")
        #expect(throws: CurrencyConversion.MissingRate(currency: "USD", date: day, base: "CNY")) { try Self.rates.convert(1, "USD", on: day) }
        #expect(throws: CurrencyConversion.MissingRate(currency: "EUR", date: day, base: "CNY")) { try Self.rates.convert(1, "EUR", on: day) }
    }
}
