/// Chooses the warehouses that supply an order: one warehouse that can supply every line
/// if there is one; else the fewest warehouses; ties go to warehouses in the shipping
/// region, then to warehouse codes in order. Lines stay whole where a warehouse can
/// supply them; a line no single warehouse can supply is split, the best warehouses first.
/// Pure: the inventory service runs it on the stock it has locked.
public enum Allocation {
    public struct Line: Sendable, Equatable {
        public let sku: String
        public let quantity: Int
        public init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    public struct Warehouse: Sendable, Equatable {
        public let code: String
        public let region: String
        /// SKU → quantity available to reserve.
        public let available: [String: Int]
        public init(code: String, region: String, available: [String: Int]) {
            self.code = code
            self.region = region
            self.available = available
        }
    }

    /// What one warehouse supplies for one order line.
    public struct Pick: Sendable, Equatable {
        public let line: Int
        public let warehouse: String
        public let quantity: Int
        public init(line: Int, warehouse: String, quantity: Int) {
            self.line = line
            self.warehouse = warehouse
            self.quantity = quantity
        }
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case invalidQuantity(line: Int, quantity: Int)
        /// SKU → how many units are missing across all warehouses.
        case insufficientStock([String: Int])

        public var description: String {
            switch self {
            case .invalidQuantity(let line, let quantity): return "line \(line + 1) asks for \(quantity) units; it must be at least 1"
            case .insufficientStock(let missing):
                return "not enough stock: " + missing.sorted { $0.key < $1.key }.map { "\($0.key) short by \($0.value)" }.joined(separator: ", ")
            }
        }
    }

    /// Exhaustive search over warehouse sets up to this size; beyond it, lines are split greedily.
    static let searchLimit = 4

    public static func allocate(_ lines: [Line], from warehouses: [Warehouse], shippingRegion: String?) throws(Problem) -> [Pick] {
        for (index, line) in lines.enumerated() where line.quantity < 1 {
            throw .invalidQuantity(line: index, quantity: line.quantity)
        }
        let ranked = warehouses.sorted {
            let left = $0.region == shippingRegion, right = $1.region == shippingRegion
            return left != right ? left : $0.code < $1.code
        }
        var missing: [String: Int] = [:]
        for (sku, wanted) in Dictionary(lines.map { ($0.sku, $0.quantity) }, uniquingKeysWith: +) {
            let total = warehouses.reduce(0) { $0 + max(0, $1.available[sku] ?? 0) }
            if total < wanted { missing[sku] = wanted - total }
        }
        guard missing.isEmpty else { throw .insufficientStock(missing) }

        for size in 1...min(searchLimit, ranked.count) {
            for subset in combinations(of: ranked.count, size: size) {
                if let picks = wholeLines(lines, from: subset.map { ranked[$0] }) { return picks }
            }
        }
        return splitLines(lines, from: ranked)
    }

    /// Each line whole from the first warehouse of the set that still has enough, or nil.
    private static func wholeLines(_ lines: [Line], from set: [Warehouse]) -> [Pick]? {
        var remaining = set.map(\.available)
        var picks: [Pick] = []
        for (index, line) in lines.enumerated() {
            guard let chosen = remaining.firstIndex(where: { ($0[line.sku] ?? 0) >= line.quantity }) else { return nil }
            remaining[chosen][line.sku, default: 0] -= line.quantity
            picks.append(Pick(line: index, warehouse: set[chosen].code, quantity: line.quantity))
        }
        return picks
    }

    /// Lines filled from the best warehouses first, split where needed (stock suffices overall).
    private static func splitLines(_ lines: [Line], from ranked: [Warehouse]) -> [Pick] {
        var remaining = ranked.map(\.available)
        var picks: [Pick] = []
        for (index, line) in lines.enumerated() {
            var needed = line.quantity
            for warehouse in ranked.indices where needed > 0 {
                let take = min(needed, max(0, remaining[warehouse][line.sku] ?? 0))
                guard take > 0 else { continue }
                remaining[warehouse][line.sku, default: 0] -= take
                picks.append(Pick(line: index, warehouse: ranked[warehouse].code, quantity: take))
                needed -= take
            }
        }
        return picks
    }

    /// Index sets of `size` out of `count`, in lexicographic order (best-ranked first).
    static func combinations(of count: Int, size: Int) -> [[Int]] {
        guard size > 0, size <= count else { return size == 0 ? [[]] : [] }
        var result: [[Int]] = []
        var current: [Int] = []
        func extend(from start: Int) {
            if current.count == size {
                result.append(current)
                return
            }
            guard start < count else { return }
            for index in start..<count where count - index >= size - current.count {
                current.append(index)
                extend(from: index + 1)
                current.removeLast()
            }
        }
        extend(from: 0)
        return result
    }
}
