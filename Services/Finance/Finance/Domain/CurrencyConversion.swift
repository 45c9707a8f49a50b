import Contracts
import Foundation

/// Dated exchange rates into one base currency, and conversion of amounts at the rate in force
/// on a day (the latest rate set on or before it). A missing rate is an error naming the
/// currency and the day, never a silent 1. Pure.
public struct CurrencyConversion: Sendable, Equatable {
    public struct Rate: Sendable, Equatable, Codable {
        public let currency: String
        public let effectiveOn: BusinessDate
        /// Units of the base currency per unit of `currency`, as set (`7.12`).
        public let rate: String
        public init(currency: String, effectiveOn: BusinessDate, rate: String) {
            (self.currency, self.effectiveOn, self.rate) = (currency, effectiveOn, rate)
        }
    }

    public struct MissingRate: Error, Equatable, CustomStringConvertible {
        public let currency: String
        public let date: BusinessDate
        public let base: String
        public init(currency: String, date: BusinessDate, base: String) { (self.currency, self.date, self.base) = (currency, date, base) }
        public var description: String {
            "no exchange rate from \(currency) to \(base) on or before \(date) (erpctl finance rates set --currency \(currency) --rate R --date \(date))"
        }
    }

    public let base: Currency
    /// Each currency's rates, oldest first.
    let rates: [String: [Rate]]

    public init(base: Currency, rates: [Rate]) {
        self.base = base
        self.rates = Dictionary(grouping: rates, by: \.currency).mapValues { $0.sorted { $0.effectiveOn < $1.effectiveOn } }
    }

    /// The rate in force on `date` (1 for the base currency itself).
    public func rate(_ currency: String, on date: BusinessDate) throws(MissingRate) -> Rate {
        if currency == base.code { return Rate(currency: currency, effectiveOn: date, rate: "1") }
        guard let rate = rates[currency]?.last(where: { $0.effectiveOn <= date }) else {
            throw MissingRate(currency: currency, date: date, base: base.code)
        }
        return rate
    }

    /// `minorUnits` of `currency` in minor units of the base currency at the rate in force on
    /// `date`, rounded half away from zero.
    public func convert(_ minorUnits: Int64, _ currency: String, on date: BusinessDate) throws -> (minorUnits: Int64, rate: Rate) {
        let rate = try rate(currency, on: date)
        return (try Self.convert(minorUnits, from: try Currency(code: currency), to: base, rate: rate.rate), rate)
    }

    /// Exact decimal arithmetic: minor units → major units × rate → base minor units.
    static func convert(_ minorUnits: Int64, from: Currency, to: Currency, rate: String) throws -> Int64 {
        guard let factor = Decimal(string: rate, locale: Locale(identifier: "en_US_POSIX")) else { throw MoneyError.overflow }
        var value = Decimal(minorUnits) * factor
        value *= pow(10, to.minorUnitDigits)
        value /= pow(10, from.minorUnitDigits)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        guard rounded.magnitude <= Decimal(Int64.max) else { throw MoneyError.overflow }
        return NSDecimalNumber(decimal: rounded).int64Value
    }
}
