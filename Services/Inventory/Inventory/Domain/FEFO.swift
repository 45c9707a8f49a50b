import Foundation

/// First-expired, first-out: which lots of one SKU in one warehouse an issue takes, and at
/// what cost. Lots that expire first go first; lots without an expiry date go last; among
/// equals, the lot received first (FIFO), then the lot code.
public enum FEFO {
    public struct Lot: Sendable, Equatable {
        public let code: String
        public let expiry: Date?
        public let receivedAt: Date
        public let quantity: Int
        /// Cost of one unit in minor units of the shop's currency.
        public let unitCost: Int64

        public init(code: String, expiry: Date?, receivedAt: Date, quantity: Int, unitCost: Int64) {
            self.code = code
            self.expiry = expiry
            self.receivedAt = receivedAt
            self.quantity = quantity
            self.unitCost = unitCost
        }
    }

    public struct Pick: Sendable, Equatable {
        public let lot: String
        public let quantity: Int
        public let unitCost: Int64
        public var cost: Int64 { Int64(quantity) * unitCost }
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case invalidQuantity(Int)
        case insufficient(wanted: Int, available: Int)

        public var description: String {
            switch self {
            case .invalidQuantity(let quantity): return "cannot issue \(quantity) units; at least 1"
            case .insufficient(let wanted, let available): return "\(wanted) units wanted, \(available) in the lots"
            }
        }
    }

    /// The lots to take `quantity` from, in order, with their FIFO cost. Expired lots are
    /// skipped when `today` is given (they must be written off, not shipped).
    public static func pick(_ quantity: Int, from lots: [Lot], today: Date? = nil) throws(Problem) -> [Pick] {
        guard quantity > 0 else { throw .invalidQuantity(quantity) }
        let usable = lots.filter { lot in
            guard lot.quantity > 0 else { return false }
            guard let today, let expiry = lot.expiry else { return true }
            return expiry >= today
        }
        let ordered = usable.sorted { a, b in
            switch (a.expiry, b.expiry) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.receivedAt != b.receivedAt ? a.receivedAt < b.receivedAt : a.code < b.code
            }
        }
        let available = ordered.reduce(0) { $0 + $1.quantity }
        guard available >= quantity else { throw .insufficient(wanted: quantity, available: available) }
        var needed = quantity
        var picks: [Pick] = []
        for lot in ordered where needed > 0 {
            let take = min(needed, lot.quantity)
            picks.append(Pick(lot: lot.code, quantity: take, unitCost: lot.unitCost))
            needed -= take
        }
        return picks
    }
}
