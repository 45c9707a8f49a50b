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

    /// `amount` is the line's total as priced: gross when `inclusive`, net otherwise.
    public static func line(_ amount: Money, basisPoints: Int, inclusive: Bool) -> Line {
        let currency = amount.currency
        if inclusive {
            let net = divideHalfUp(amount.minorUnits * 10_000, by: Int64(10_000 + basisPoints))
            return Line(
                net: Money(minorUnits: net, currency: currency), tax: Money(minorUnits: amount.minorUnits - net, currency: currency),
                gross: amount, basisPoints: basisPoints)
        }
        let tax = divideHalfUp(amount.minorUnits * Int64(basisPoints), by: 10_000)
        return Line(
            net: amount, tax: Money(minorUnits: tax, currency: currency), gross: Money(minorUnits: amount.minorUnits + tax, currency: currency),
            basisPoints: basisPoints)
    }

    /// a / b rounded half away from zero (b > 0).
    public static func divideHalfUp(_ a: Int64, by b: Int64) -> Int64 {
        let magnitude = (2 * abs(a) + b) / (2 * b)
        return a < 0 ? -magnitude : magnitude
    }
}
