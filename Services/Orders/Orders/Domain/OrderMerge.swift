import Contracts

/// Whether orders may merge, and the merged order's lines: the sources' lines in the order
/// given, renumbered from 1, each remembering where it came from; the shipping fees added.
/// Pure.
public enum OrderMerge {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public struct Source: Sendable {
        public let snapshot: OrderSnapshot
        /// Its state (an order on hold: the state it would resume as).
        public let status: OrderStatus
        public let onHold: Bool
        public let shipped: Bool
        public init(snapshot: OrderSnapshot, status: OrderStatus, onHold: Bool, shipped: Bool) {
            (self.snapshot, self.status, self.onHold, self.shipped) = (snapshot, status, onHold, shipped)
        }
    }

    public struct Plan: Sendable, Equatable {
        public let lines: [OrderSnapshot.Line]
        public let origins: [OrderCommand.LineOrigin]
        public let shippingFee: Money
        /// Paid if every source is paid; otherwise waiting for payment.
        public let status: OrderStatus
    }

    /// Who the customer is, for "the same customer": their email (any case), else their
    /// platform id, else their phone.
    static func customerKey(_ customer: CanonicalOrder.Customer?) -> String? {
        if let email = customer?.email?.trimmingCharacters(in: .whitespaces).lowercased(), !email.isEmpty { return "email:\(email)" }
        if let id = customer?.externalId, !id.isEmpty { return "id:\(id)" }
        if let phone = customer?.phone, !phone.isEmpty { return "phone:\(phone)" }
        return nil
    }

    public static func plan(_ sources: [Source]) throws(Problem) -> Plan {
        guard sources.count >= 2 else { throw Problem("a merge takes at least two orders") }
        let first = sources[0].snapshot
        guard let customer = customerKey(first.customer) else { throw Problem("order \(first.order) has no customer email, id or phone to match") }
        for source in sources {
            let order = source.snapshot
            guard [.pendingPayment, .paid].contains(source.status), !source.shipped else {
                throw Problem("order \(order.order) is \(order.status): only orders not yet allocated or shipped merge")
            }
            guard order.platform == first.platform, order.shop == first.shop else {
                throw Problem(
                    "order \(order.order) is from \(order.platform)/\(order.shop), order \(first.order) from \(first.platform)/\(first.shop)")
            }
            guard customerKey(order.customer) == customer else {
                throw Problem("order \(order.order) is another customer's than order \(first.order)")
            }
            guard order.currency == first.currency, order.pricesIncludeTax == first.pricesIncludeTax else {
                throw Problem("order \(order.order) is in \(order.currency), order \(first.order) in \(first.currency)")
            }
            guard order.shippingAddress == first.shippingAddress else {
                throw Problem("order \(order.order) goes to another address than order \(first.order)")
            }
        }
        var lines: [OrderSnapshot.Line] = []
        var origins: [OrderCommand.LineOrigin] = []
        for source in sources {
            for line in source.snapshot.lines {
                var moved = line
                moved.line = lines.count + 1
                lines.append(moved)
                origins.append(.init(line: moved.line, fromOrder: source.snapshot.order, fromLine: line.line))
            }
        }
        let fee = sources.reduce(Int64(0)) { $0 + $1.snapshot.shippingFee.minorUnits }
        return Plan(
            lines: lines, origins: origins, shippingFee: Money(minorUnits: fee, currency: first.shippingFee.currency),
            status: sources.allSatisfy { $0.status == .paid } ? .paid : .pendingPayment)
    }
}
