import Contracts
import Foundation
import SagaKit

/// A parcel a warehouse confirmed (`orders.order.shipment_recorded.v1`) issues exactly its
/// lines from that warehouse's reservations: FEFO lots, FIFO cost to finance. The parcel has
/// left, so nothing is undone: a refusal (the reservation is not there) stops the saga
/// `stuck` for a person, and `erpctl saga retry` issues it once the cause is fixed.
public enum ShipmentIssue {
    public static let type = "shipment"

    public struct Data: Codable, Sendable, Equatable {
        public var order: Int64
        public var shipment: String
        public var warehouse: String
        public var lines: [OrderCommand.ShipmentLine]
        public var lots: [InventoryResult.IssuedLot]?

        public init(order: Int64, shipment: String, warehouse: String, lines: [OrderCommand.ShipmentLine]) {
            (self.order, self.shipment, self.warehouse, self.lines) = (order, shipment, warehouse, lines)
        }
    }

    public static func key(order: Int64, shipment: String) -> String { "order:\(order):shipment:\(shipment)" }

    public static let definition = SagaDefinition<Data>(
        type: type,
        steps: [
            SagaStep(
                "issue stock", forwardOnly: true,
                action: { data in
                    try SagaCommand(
                        InventoryCommand.Issue(
                            order: String(data.order), shipment: data.shipment, warehouse: data.warehouse, lines: data.lines))
                },
                onSuccess: { data, result in data.lots = try result?.decode(InventoryResult.Issued.self).lots })
        ])
}
