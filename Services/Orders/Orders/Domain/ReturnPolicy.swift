import Contracts
import Foundation
import ServiceKit

/// When a return is approved, and what it refunds. Pure.
public struct ReturnPolicy: Sendable, Equatable {
    /// Days after the order's last shipment in which a return may be asked for.
    public var windowDays: Int

    public init(windowDays: Int = 30) { self.windowDays = windowDays }

    /// From the environment: `ERP_RETURN_WINDOW_DAYS` (default 30).
    public init(environment: [String: String]) throws {
        self.init(windowDays: try EnvironmentReader(environment).integer("ERP_RETURN_WINDOW_DAYS", default: 30, in: 0...3650))
    }

    /// Whether a return asked for `now` is in time for a shipment made at `shippedAt`.
    public func inWindow(shippedAt: Date, now: Date) -> Bool {
        now <= shippedAt.addingTimeInterval(Double(windowDays) * 86_400)
    }

    /// What returning `quantity` more units of a line refunds when `before` of its `ordered`
    /// units were returned already: the line total shared by units (largest remainder),
    /// counted cumulatively, so that returning every unit in several returns refunds the
    /// line total exactly.
    public static func refund(lineTotal: Money, ordered: Int, before: Int, quantity: Int) throws -> Money {
        func share(_ units: Int) throws -> Int64 {
            guard units > 0 else { return 0 }
            guard units < ordered else { return lineTotal.minorUnits }
            return try lineTotal.allocate([Int64(units), Int64(ordered - units)])[0].minorUnits
        }
        return Money(minorUnits: try share(before + quantity) - share(before), currency: lineTotal.currency)
    }
}
