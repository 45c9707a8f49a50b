import Contracts

/// How an order splits into children: which units of which lines each child takes, and
/// its share of the line discounts and the shipping fee. Shares use the largest remainder
/// method, so every amount of the children sums exactly to the parent's. Pure.
public enum OrderSplit {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public struct Child: Sendable, Equatable {
        public var lines: [OrderSnapshot.Line]
        public var shippingFee: Money
        public var merchandise: Money { Money(minorUnits: lines.reduce(0) { $0 + $1.total.minorUnits }, currency: shippingFee.currency) }
        public var discount: Money { Money(minorUnits: lines.reduce(0) { $0 + $1.discount.minorUnits }, currency: shippingFee.currency) }
        public var total: Money { Money(minorUnits: merchandise.minorUnits + shippingFee.minorUnits, currency: shippingFee.currency) }
    }

    /// The parts as units per line, with what no part names as one more part. Each part
    /// takes at least one unit; together they take every unit and no more.
    public static func parts(_ given: [[OrderCommand.ShipmentLine]], of lines: [OrderSnapshot.Line]) throws(Problem) -> [[Int: Int]] {
        guard !given.isEmpty else { throw Problem("a split names at least one part") }
        var left = Dictionary(uniqueKeysWithValues: lines.map { ($0.line, $0.quantity) })
        var parts: [[Int: Int]] = []
        for (index, part) in given.enumerated() {
            guard !part.isEmpty else { throw Problem("part \(index + 1) is empty") }
            var units: [Int: Int] = [:]
            for line in part {
                guard let remaining = left[line.line] else { throw Problem("part \(index + 1): the order has no line \(line.line)") }
                guard line.quantity > 0 else { throw Problem("part \(index + 1): line \(line.line) takes \(line.quantity) units (at least 1)") }
                guard units[line.line] == nil else { throw Problem("part \(index + 1): line \(line.line) appears twice") }
                guard line.quantity <= remaining else {
                    throw Problem("part \(index + 1): line \(line.line) takes \(line.quantity) units, \(remaining) are left of it")
                }
                units[line.line] = line.quantity
                left[line.line] = remaining - line.quantity
            }
            parts.append(units)
        }
        let rest = left.filter { $0.value > 0 }
        if !rest.isEmpty { parts.append(rest) }
        guard parts.count >= 2 else { throw Problem("the parts take the whole order: a split needs at least two children") }
        return parts
    }

    /// The children's lines and shipping fees. A line's discount is shared by units; the
    /// shipping fee by the children's merchandise value (equally if that is all zero).
    public static func children(of lines: [OrderSnapshot.Line], shippingFee: Money, parts: [[Int: Int]]) throws -> [Child] {
        var childLines = Array(repeating: [OrderSnapshot.Line](), count: parts.count)
        for line in lines {
            let takers = parts.indices.filter { (parts[$0][line.line] ?? 0) > 0 }
            let discounts = try line.discount.allocate(takers.map { Int64(parts[$0][line.line]!) })
            for (child, discount) in zip(takers, discounts) {
                let quantity = parts[child][line.line]!
                childLines[child].append(
                    OrderSnapshot.Line(
                        line: line.line, sku: line.sku, quantity: quantity, unitPrice: line.unitPrice, discount: discount,
                        total: Money(minorUnits: line.unitPrice.minorUnits * Int64(quantity) - discount.minorUnits, currency: line.total.currency)))
            }
        }
        let values = childLines.map { $0.reduce(Int64(0)) { $0 + $1.total.minorUnits } }
        let fees = try shippingFee.allocate(values.allSatisfy { $0 == 0 } ? values.map { _ in 1 } : values)
        return zip(childLines, fees).map { Child(lines: $0, shippingFee: $1) }
    }
}
