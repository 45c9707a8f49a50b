import Contracts
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [("99.00", 9900), ("99", 9900), ("0.5", 50), ("-0.05", -5), ("+12.3", 1230), ("0", 0)])
    func decimalStringsParseToMinorUnits(text: String, minor: Int64) throws {
        #expect(try Money(parsing: text, currency: .cny).minorUnits == minor)
    }

    @Test func currenciesWithoutOrWithThreeDecimalsParseByTheirOwnRules() throws {
        #expect(try Money(parsing: "1200", currency: .jpy).minorUnits == 1200)
        #expect(throws: MoneyError.self) { try Money(parsing: "1200.5", currency: .jpy) }
        let kwd = try Currency(code: "KWD")
        #expect(try Money(parsing: "1.234", currency: kwd).minorUnits == 1234)
    }

    @Test func tooManyDecimalsAreRefusedNotRounded() {
        #expect(throws: MoneyError.tooManyDecimals("99.001", currency: "CNY", allowed: 2)) {
            try Money(parsing: "99.001", currency: .cny)
        }
    }

    @Test(arguments: ["", "-", "1.", ".5", "1,000.00", "1e3", "12a", "1.2.3", "--1", " 1", "٣"])
    func malformedAmountsAreRefused(text: String) {
        #expect(throws: MoneyError.self) { try Money(parsing: text, currency: .cny) }
    }

    @Test func unknownCurrenciesAreRefused() {
        #expect(throws: MoneyError.unsupportedCurrency("ZZZ")) { try Currency(code: "ZZZ") }
        #expect(throws: MoneyError.self) { try Currency(code: "cny") }
    }

    @Test func amountsFormatBackToDecimalStrings() throws {
        #expect(Money(minorUnits: 9900, currency: .cny).decimalString == "99.00")
        #expect(Money(minorUnits: -5, currency: .cny).decimalString == "-0.05")
        #expect(Money(minorUnits: 1200, currency: .jpy).decimalString == "1200")
    }

    @Test func arithmeticIsExactAndRefusesToMixCurrencies() throws {
        let a = try Money(parsing: "0.10", currency: .cny)
        let b = try Money(parsing: "0.20", currency: .cny)
        #expect(try a + b == Money(minorUnits: 30, currency: .cny))
        #expect(try b - a == a)
        #expect(try a.times(3) == Money(minorUnits: 30, currency: .cny))
        #expect(throws: MoneyError.currencyMismatch("CNY", "USD")) { try a + Money(minorUnits: 1, currency: .usd) }
        #expect(throws: MoneyError.overflow) { try Money(minorUnits: .max, currency: .cny) + a }
    }

    @Test(arguments: [(1000, 1300, 130), (1, 5000, 1), (3, 5000, 2), (-3, 5000, -2), (-1, 4999, 0), (999, 1300, 130)])
    func ratesRoundHalfAwayFromZero(minor: Int64, basisPoints: Int, expected: Int64) throws {
        #expect(try Money(minorUnits: minor, currency: .cny).applying(basisPoints: basisPoints).minorUnits == expected)
    }

    @Test func allocationSumsExactlyToTheWholeWithLargestRemainders() throws {
        let total = Money(minorUnits: 100, currency: .cny)
        let parts = try total.allocate([1, 1, 1])
        #expect(parts.map(\.minorUnits) == [34, 33, 33])
        let weighted = try Money(minorUnits: 1000, currency: .cny).allocate([3, 3, 4, 0])
        #expect(weighted.map(\.minorUnits) == [300, 300, 400, 0])
        // 10 split 1:1:1:... remainders: the parts with the largest remainders get the extra units.
        let uneven = try Money(minorUnits: 10, currency: .cny).allocate([2, 3, 5, 7])
        #expect(uneven.map(\.minorUnits).reduce(0, +) == 10)
        #expect(uneven.map(\.minorUnits) == [1, 2, 3, 4])
        let negative = try Money(minorUnits: -100, currency: .cny).split(into: 3)
        #expect(negative.map(\.minorUnits) == [-34, -33, -33])
    }

    @Test func allocationNeverLosesAUnitOverManyRandomCases() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let total = Int64.random(in: -1_000_000...1_000_000, using: &generator)
            let weights = (0..<Int.random(in: 1...8, using: &generator)).map { _ in Int64.random(in: 0...10_000, using: &generator) }
            guard weights.contains(where: { $0 > 0 }) else { continue }
            let parts = try Money(minorUnits: total, currency: .cny).allocate(weights)
            #expect(parts.map(\.minorUnits).reduce(0, +) == total)
            for (part, weight) in zip(parts, weights) where weight == 0 { #expect(part.isZero) }
        }
    }

    @Test func allocationRefusesMeaninglessWeights() {
        let amount = Money(minorUnits: 100, currency: .cny)
        #expect(throws: MoneyError.self) { try amount.allocate([]) }
        #expect(throws: MoneyError.self) { try amount.allocate([0, 0]) }
        #expect(throws: MoneyError.self) { try amount.allocate([1, -1]) }
    }

    @Test func largeAmountsAllocateWithoutOverflow() throws {
        let parts = try Money(minorUnits: Int64.max / 2, currency: .cny).allocate([Int64.max / 4, Int64.max / 4])
        #expect(parts.map(\.minorUnits).reduce(0, +) == Int64.max / 2)
    }
}

@Suite struct MoneyFromOutsideTests {
    @Test(arguments: ["+39.00", "-1", "039.00", "00", " 1", "1e3"])
    func externalAmountsHaveNoSignAndNoLeadingZeros(text: String) {
        #expect(throws: MoneyError.self) { try Money(parsingUnsigned: text, currency: .cny) }
    }

    @Test func externalAmountsInTheirOwnGrammarParse() throws {
        #expect(try Money(parsingUnsigned: "0.50", currency: .cny).minorUnits == 50)
        #expect(try Money(parsingUnsigned: "1200", currency: .jpy).minorUnits == 1_200)
    }

    @Test func anAmountTooLargeForSixtyFourBitsSaysItIsOutOfRange() {
        #expect(throws: MoneyError.overflow) { try Money(parsing: "99999999999999999999.00", currency: .cny) }
        #expect(MoneyError.overflow.description.contains("out of range"))
    }

    @Test func sumsAndProductsThatOverflowThrowInsteadOfTrapping() throws {
        let big = Money(minorUnits: 9_223_372_036_854_775_807, currency: .cny)
        #expect(throws: MoneyError.overflow) { try big + Money(minorUnits: 1, currency: .cny) }
        #expect(throws: MoneyError.overflow) { try big.times(2) }
        #expect(throws: MoneyError.overflow) { try Money.sum([big, big], currency: .cny) }
        #expect(throws: MoneyError.overflow) { try big.applying(basisPoints: 1_300) }
    }
}
