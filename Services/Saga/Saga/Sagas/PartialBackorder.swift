import Contracts
import Foundation
import SagaKit

/// With `ERP_BACKORDER_PARTIAL=ship`: an order whose reservation was refused for want of
/// stock (it went on hold) asks inventory what could be reserved now; when that is part of
/// the order, the coordinator splits it (``Split``): the part in stock gets a fulfilment of
/// its own and ships, the rest is a child order that waits as a backorder.
public enum PartialBackorder {
    public static let type = "partial_backorder"

    public struct Data: Codable, Sendable, Equatable {
        public var order: Int64
        public var lines: [InventoryCommand.OrderLine]
        public var available: [OrderCommand.ShipmentLine]?

        public init(order: Int64, lines: [InventoryCommand.OrderLine]) { (self.order, self.lines) = (order, lines) }

        /// The part to ship now, if it is some of the order but not all of it.
        public var partInStock: [OrderCommand.ShipmentLine]? {
            guard let available else { return nil }
            let part = available.filter { $0.quantity > 0 }
            let wanted = lines.reduce(0) { $0 + $1.quantity }, have = part.reduce(0) { $0 + $1.quantity }
            return have > 0 && have < wanted ? part : nil
        }
    }

    public static func key(order: Int64, request: UUID) -> String { "order:\(order):partial:\(request.uuidString.lowercased())" }

    public static let definition = SagaDefinition<Data>(
        type: type,
        steps: [
            SagaStep(
                "check stock", action: { try SagaCommand(InventoryCommand.CheckAvailability(lines: $0.lines)) },
                onSuccess: { data, result in data.available = try result?.decode(InventoryResult.Availability.self).lines })
        ])

    /// What to do with the order when the check completed: split off the part in stock.
    public static func split(_ data: Data) -> Split.Data? {
        guard let part = data.partInStock else { return nil }
        return Split.Data(
            order: data.order, parts: [part], warehouses: nil,
            reason: "ship what is in stock now; the rest waits for stock (ERP_BACKORDER_PARTIAL=ship)")
    }
}
