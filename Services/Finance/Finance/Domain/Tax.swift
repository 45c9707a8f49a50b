import Contracts

/// VAT by tax category, in basis points (1300 = 13 %), and the per-line calculation:
/// each line is rounded half-up on its own (never the order as a whole), for prices that
/// include tax and for prices that do not. Pure.
public struct TaxRates: Sendable, Equatable {
    public var basisPoints: [String: Int]

    /// China's VAT rates by default: 13 % standard, 9 % reduced, 6 % services, 0 % zero-rated and exempt.
    public static let standard = TaxRates(basisPoints: ["standard": 1_300, "reduced": 900, "services": 600, "zero": 0, "exempt": 0])

    public init(basisPoints: [String: Int]) { self.basisPoints = basisPoints }

    public func rate(_ category: String) -> Int { basisPoints[category] ?? basisPoints["standard"] ?? 0 }
}

public enum TaxCalculation {
    public struct Line: Sendable, Equatable {
        public let net: Money
        public let tax: Money
        public let gross: Money
        public let basisPoints: Int
    }

    /// `amount` is the line's total as priced: gross when `inclusive`, net otherwise. Throws
    /// ``MoneyError/overflow`` for an amount too large to compute with (never traps).
    public static func line(_ amount: Money, basisPoints: Int, inclusive: Bool) throws -> Line {
        let currency = amount.currency
        if inclusive {
            let (scaled, overflow) = amount.minorUnits.multipliedReportingOverflow(by: 10_000)
            guard !overflow else { throw MoneyError.overflow }
            let net = Money(minorUnits: divideHalfUp(scaled, by: Int64(10_000 + basisPoints)), currency: currency)
            return Line(net: net, tax: try amount - net, gross: amount, basisPoints: basisPoints)
        }
        let (scaled, overflow) = amount.minorUnits.multipliedReportingOverflow(by: Int64(basisPoints))
        guard !overflow else { throw MoneyError.overflow }
        let tax = Money(minorUnits: divideHalfUp(scaled, by: 10_000), currency: currency)
        return Line(net: amount, tax: tax, gross: try amount + tax, basisPoints: basisPoints)
    }

    /// a / b rounded half away from zero (b > 0); cannot overflow.
    public static func divideHalfUp(_ a: Int64, by b: Int64) -> Int64 {
        let quotient = a / b, remainder = a % b
        guard remainder.magnitude >= (b.magnitude + 1) / 2 else { return quotient }
        return a < 0 ? quotient - 1 : quotient + 1
    }
}
