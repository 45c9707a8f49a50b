/// A reorder rule for one SKU in one warehouse: when available stock falls below `minimum`,
/// raise a low-stock alert and one purchase request that brings the projected stock (what
/// is available plus what is already on order) back up to `maximum`. While a request is
/// open, a further drop raises neither a second alert nor a second request. Pure: the
/// inventory service applies the decision in the transaction that changed the stock.
public struct ReorderRule: Sendable, Equatable {
    public let minimum: Int
    public let maximum: Int

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case invalid(minimum: Int, maximum: Int)
        public var description: String {
            switch self {
            case .invalid(let minimum, let maximum):
                return "a reorder rule needs 0 ≤ minimum < maximum (got minimum \(minimum), maximum \(maximum))"
            }
        }
    }

    public init(minimum: Int, maximum: Int) throws(Problem) {
        guard minimum >= 0, maximum > minimum else { throw .invalid(minimum: minimum, maximum: maximum) }
        self.minimum = minimum
        self.maximum = maximum
    }

    public enum Decision: Sendable, Equatable {
        case nothing
        /// Publish the low-stock alert and open a purchase request for this many units.
        case requestPurchase(quantity: Int)
    }

    /// `available` after the change; `onOrder` the units of open purchase requests;
    /// `requestOpen` whether one is open for this SKU and warehouse.
    public func decide(available: Int, onOrder: Int, requestOpen: Bool) -> Decision {
        guard available < minimum, !requestOpen else { return .nothing }
        let projected = available + onOrder
        return projected < maximum ? .requestPurchase(quantity: maximum - projected) : .nothing
    }
}
