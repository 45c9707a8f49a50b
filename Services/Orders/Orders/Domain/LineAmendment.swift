import Contracts
import Foundation

/// What a change of lines makes of an order's lines (pure): a line's new quantity (0
/// removes it; its discount is kept up to the new line amount), or a line added after the
/// last. The result is checked against intake's bounds: at least one line, no more than
/// ``IntakeLimits/lines``, no amount out of range.
public enum LineAmendment: Sendable, Equatable {
    case setQuantity(line: Int, quantity: Int)
    case add(sku: String, quantity: Int, unitPrice: Money)

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let code: String
        public let description: String
        init(_ code: String, _ description: String) { (self.code, self.description) = (code, description) }
    }

    /// In words, for the order's history.
    public func describe(_ lines: [OrderSnapshot.Line]) -> String {
        switch self {
        case .setQuantity(let number, 0): return "remove line \(number)"
        case .setQuantity(let number, let quantity):
            let before = lines.first { $0.line == number }?.quantity
            return "line \(number) quantity \(before.map(String.init) ?? "?") → \(quantity)"
        case .add(let sku, let quantity, let unitPrice): return "add \(quantity) × \(sku) at \(unitPrice)"
        }
    }

    public func apply(to lines: [OrderSnapshot.Line]) throws(Problem) -> [OrderSnapshot.Line] {
        var result = lines
        switch self {
        case .setQuantity(let number, let quantity):
            guard (0...IntakeLimits.quantity).contains(quantity) else {
                throw Problem("validation", "quantity \(quantity) must be 0 (removes the line) to \(IntakeLimits.quantity)")
            }
            guard let index = result.firstIndex(where: { $0.line == number }) else {
                throw Problem("unknown-line", "the order has no line \(number)")
            }
            if quantity == 0 {
                result.remove(at: index)
                guard !result.isEmpty else { throw Problem("validation", "an order keeps at least one line (cancel it instead)") }
            } else {
                var line = result[index]
                guard let amount = try? line.unitPrice.times(quantity), amount.minorUnits <= IntakeLimits.amountMinorUnits else {
                    throw Problem("validation", "\(quantity) × \(line.unitPrice) is out of range")
                }
                line.quantity = quantity
                line.discount = Money(minorUnits: min(line.discount.minorUnits, amount.minorUnits), currency: amount.currency)
                line.total = Money(minorUnits: amount.minorUnits - line.discount.minorUnits, currency: amount.currency)
                result[index] = line
            }
        case .add(let sku, let quantity, let unitPrice):
            guard (1...IntakeLimits.quantity).contains(quantity) else {
                throw Problem("validation", "quantity \(quantity) must be 1 to \(IntakeLimits.quantity)")
            }
            guard !unitPrice.isNegative, unitPrice.minorUnits <= IntakeLimits.amountMinorUnits,
                let amount = try? unitPrice.times(quantity), amount.minorUnits <= IntakeLimits.amountMinorUnits
            else { throw Problem("validation", "unit price \(unitPrice) × \(quantity) is negative or out of range") }
            guard result.count < IntakeLimits.lines else { throw Problem("validation", "an order has at most \(IntakeLimits.lines) lines") }
            let number = (result.map(\.line).max() ?? 0) + 1
            result.append(
                OrderSnapshot.Line(
                    line: number, sku: sku, quantity: quantity, unitPrice: unitPrice, discount: Money(minorUnits: 0, currency: unitPrice.currency),
                    total: amount))
        }
        return result
    }

    /// The order's total with `lines` and its shipping fee, within intake's bounds.
    public static func total(_ lines: [OrderSnapshot.Line], shippingFee: Money) throws(Problem) -> Money {
        let sum = lines.reduce(Int64(0)) { partial, line in partial > IntakeLimits.amountMinorUnits ? partial : partial + line.total.minorUnits }
        let total = sum + shippingFee.minorUnits
        guard total <= IntakeLimits.amountMinorUnits else {
            throw Problem(
                "validation",
                "the order's total would be more than \(Money(minorUnits: IntakeLimits.amountMinorUnits, currency: shippingFee.currency)), which is not taken"
            )
        }
        return Money(minorUnits: total, currency: shippingFee.currency)
    }
}
