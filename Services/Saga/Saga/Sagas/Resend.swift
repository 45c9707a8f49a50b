import Contracts
import Foundation
import SagaKit

/// A re-send (a parcel lost or damaged; a re-send ticket): the chosen lines of the order ship
/// again as a free replacement order (price 0, paid; its own fulfilment and shipment; its cost
/// of goods a replacement expense in finance). Nothing comes back.
public enum Resend {
    public static let type = "resend"

    public struct Data: Codable, Sendable, Equatable {
        public var order: Int64
        public var lines: [OrderCommand.ShipmentLine]
        public var ticket: Int64
        public var reason: String
        public var replacement: OrderSnapshot?
        public var reference: String { "RESEND-\(order)-T\(ticket)" }

        public init(order: Int64, lines: [OrderCommand.ShipmentLine], ticket: Int64, reason: String) {
            (self.order, self.lines, self.ticket, self.reason) = (order, lines, ticket, reason)
        }
    }

    /// Not under `order:<id>:`: the original order's later changes do not concern it. One per ticket.
    public static func key(order: Int64, ticket: Int64) -> String { "resend:\(order):T\(ticket)" }

    public static let definition = SagaDefinition<Data>(
        type: type,
        steps: [
            // Refused (a line the order lacks, an order not sent yet): nothing was done, the re-send ends there.
            SagaStep(
                "send again",
                action: {
                    try SagaCommand(OrderCommand.PlaceReplacement(order: $0.order, rma: $0.reference, kind: .resend, originalLines: $0.lines))
                },
                onSuccess: { data, result in data.replacement = try result?.decode(OrderSnapshot.self) })
        ])
}
