/// An amount of money: an integer count of minor units (cents, fen) and its currency.
/// Never a floating-point number. Arithmetic is exact and refuses to mix currencies or
/// to overflow; rounding (of rates) is half away from zero; splitting an amount uses the
/// largest-remainder method so the parts always add up to the whole.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses a decimal string in the major unit ("99.00", "-0.5", "12"). More decimals than
    /// the currency has, signs in the wrong place, grouping, exponents and empty strings are refused.
    public init(parsing text: String, currency: Currency) throws {
        let invalid = MoneyError.invalidAmount(text, currency: currency.code)
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw invalid }
        var fraction = parts.count == 2 ? parts[1] : ""
        if parts.count == 2 && fraction.isEmpty { throw invalid }
        guard fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw invalid }
        guard fraction.count <= currency.minorUnitDigits else {
            throw MoneyError.tooManyDecimals(text, currency: currency.code, allowed: currency.minorUnitDigits)
        }
        fraction += String(repeating: "0", count: currency.minorUnitDigits - fraction.count)
        guard let major = Int64(whole) else { throw MoneyError.overflow }
        guard let minor = Int64(fraction.isEmpty ? "0" : String(fraction)) else { throw invalid }
        let (scaled, overflow1) = major.multipliedReportingOverflow(by: currency.minorUnitsPerMajor)
        let (total, overflow2) = scaled.addingReportingOverflow(minor)
        guard !overflow1, !overflow2 else { throw MoneyError.overflow }
        minorUnits = negative ? -total : total
        self.currency = currency
    }

    /// Parses an amount as external formats write it: digits with an optional decimal point,
    /// no sign and no leading zeros ("39.00", "0.5", "1200"), at most as many decimals as the
    /// currency has. "+39.00", "039.00", "-1" and "1e3" are refused with the reason.
    public init(parsingUnsigned text: String, currency: Currency) throws {
        let bytes = Array(text.utf8)
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard let first = bytes.first, digits.contains(first) else {
            throw MoneyError.invalidAmount(text, currency: currency.code)
        }
        let whole = bytes.prefix { digits.contains($0) }
        if whole.count > 1 && first == UInt8(ascii: "0") { throw MoneyError.leadingZeros(text) }
        try self.init(parsing: text, currency: currency)
    }

    /// The amount as a decimal string in the major unit, e.g. "99.00", "-0.05", "1200" (JPY).
    public var decimalString: String {
        let digits = currency.minorUnitDigits
        let magnitude = minorUnits.magnitude
        guard digits > 0 else { return (minorUnits < 0 ? "-" : "") + String(magnitude) }
        let factor = UInt64(currency.minorUnitsPerMajor)
        let fraction = String(magnitude % factor)
        return (minorUnits < 0 ? "-" : "") + String(magnitude / factor) + "."
            + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    public var description: String { "\(decimalString) \(currency.code)" }
    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }

    private func sameCurrency(_ other: Money) throws {
        guard currency == other.currency else { throw MoneyError.currencyMismatch(currency.code, other.currency.code) }
    }

    public static func + (lhs: Money, rhs: Money) throws -> Money {
        try lhs.sameCurrency(rhs)
        let (sum, overflow) = lhs.minorUnits.addingReportingOverflow(rhs.minorUnits)
        guard !overflow else { throw MoneyError.overflow }
        return Money(minorUnits: sum, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) throws -> Money {
        try lhs.sameCurrency(rhs)
        let (difference, overflow) = lhs.minorUnits.subtractingReportingOverflow(rhs.minorUnits)
        guard !overflow else { throw MoneyError.overflow }
        return Money(minorUnits: difference, currency: lhs.currency)
    }

    public static prefix func - (amount: Money) -> Money {
        Money(minorUnits: -amount.minorUnits, currency: amount.currency)
    }

    /// The amount times a quantity (a line's unit price × quantity).
    public func times(_ quantity: Int) throws -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: Int64(quantity))
        guard !overflow else { throw MoneyError.overflow }
        return Money(minorUnits: product, currency: currency)
    }

    /// The amount times a rate in basis points (1300 = 13 %), rounded half away from zero.
    public func applying(basisPoints: Int) throws -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: Int64(basisPoints))
        guard !overflow else { throw MoneyError.overflow }
        return Money(minorUnits: Self.divideHalfUp(product, by: 10_000), currency: currency)
    }

    /// The sum of amounts of one currency; zero for none. Throws on overflow or a mixed currency.
    public static func sum(_ amounts: some Sequence<Money>, currency: Currency) throws -> Money {
        try amounts.reduce(.zero(currency)) { try $0 + $1 }
    }

    /// Integer division rounding half away from zero.
    static func divideHalfUp(_ numerator: Int64, by denominator: Int64) -> Int64 {
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        if remainder.magnitude * 2 >= denominator.magnitude {
            return quotient + ((numerator < 0) != (denominator < 0) ? -1 : 1)
        }
        return quotient
    }

    /// Splits the amount in proportion to `weights` (non-negative, not all zero) with the
    /// largest-remainder method: every part gets its floor share, and the minor units left
    /// over go one each to the parts with the largest remainders (earlier parts win ties).
    /// The parts always sum exactly to the amount.
    public func allocate(_ weights: [Int64]) throws -> [Money] {
        guard !weights.isEmpty, weights.allSatisfy({ $0 >= 0 }) else { throw MoneyError.invalidWeights(weights) }
        let total = weights.reduce(Int64(0)) { $0 + $1 }
        guard total > 0 else { throw MoneyError.invalidWeights(weights) }
        let magnitude = Int64(minorUnits.magnitude)
        var shares: [Int64] = []
        var remainders: [(index: Int, remainder: Int64)] = []
        var allocated: Int64 = 0
        for (index, weight) in weights.enumerated() {
            // magnitude * weight can overflow Int64; the full-width product keeps it exact.
            let product = magnitude.multipliedFullWidth(by: weight)
            let (share, remainder) = total.dividingFullWidth((product.high, product.low))
            shares.append(share)
            remainders.append((index, remainder))
            allocated += share
        }
        var leftover = magnitude - allocated
        for entry in remainders.sorted(by: { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }) {
            guard leftover > 0 else { break }
            shares[entry.index] += 1
            leftover -= 1
        }
        let sign: Int64 = minorUnits < 0 ? -1 : 1
        return shares.map { Money(minorUnits: sign * $0, currency: currency) }
    }

    /// Splits the amount into `parts` nearly equal parts (the first ones get the extra minor units).
    public func split(into parts: Int) throws -> [Money] {
        guard parts > 0 else { throw MoneyError.invalidWeights([]) }
        return try allocate(Array(repeating: 1, count: parts))
    }
}

/// In JSON (through ``MessageCoding``): `{"currency": "CNY", "minor_units": 19800}`.
extension Money: Codable {}

/// Why a money operation was refused.
public enum MoneyError: Error, Equatable, CustomStringConvertible {
    case unsupportedCurrency(String)
    case invalidAmount(String, currency: String)
    case tooManyDecimals(String, currency: String, allowed: Int)
    case currencyMismatch(String, String)
    case overflow
    case invalidWeights([Int64])
    case leadingZeros(String)

    public var description: String {
        switch self {
        case .unsupportedCurrency(let code): return "unsupported currency '\(code)' (expected an ISO 4217 code such as CNY)"
        case .invalidAmount(let text, let currency):
            return "'\(text)' is not an amount of \(currency) (expected digits with an optional decimal point)"
        case .tooManyDecimals(let text, let currency, let allowed):
            return "'\(text)' has more than \(allowed) decimals, which \(currency) does not have"
        case .currencyMismatch(let a, let b): return "cannot combine \(a) with \(b)"
        case .overflow: return "the amount is out of range (too large to compute with)"
        case .leadingZeros(let text): return "'\(text)' has leading zeros"
        case .invalidWeights(let weights): return "cannot allocate by weights \(weights): they must be non-negative and not all zero"
        }
    }
}
