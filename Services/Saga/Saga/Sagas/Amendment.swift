import Contracts
import Foundation
import SagaKit

/// A change of an order's lines carried through (``OrderEvent/AmendmentRequested``), or of
/// its shipping region before allocation: re-reserve the new lines all or nothing (only
/// when a fulfilment holds stock for the order) → the order takes the new lines → finance
/// voids and reissues the invoice → the order's payment state follows from what is open.
/// A reservation refused (or the order moved on meanwhile) refuses the change: the order
/// keeps its lines and what it held, the reason is kept with the amendment. Once the lines
/// are applied nothing is undone: a failure of the invoice stops the saga `stuck` for a
/// person (`erpctl saga retry`). The coordinator carries the new lines and reservations
/// into the order's waiting fulfilment as soon as they apply.
///
/// A new shipping region (no amendment number) only re-reserves, so that the warehouse is
/// chosen by the new region; if that is refused, the order keeps what it held.
public enum Amendment {
    public static let type = "amendment"

    public struct Data: Codable, Sendable, Equatable {
        public var order: Int64
        /// The orders service's amendment; nil for a new shipping region only.
        public var amendment: Int64?
        public var what: String
        public var lines: [InventoryCommand.OrderLine]
        public var previous: [InventoryCommand.OrderLine]
        public var region: String?
        public var previousRegion: String?
        /// A fulfilment holds stock for the order: the reservation follows the change.
        public var rereserve: Bool
        public var reservations: [InventoryResult.Reservation]?
        /// The order as it stands once the amendment applied.
        public var snapshot: OrderSnapshot?
        public var invoice: String?
        public var open: Money?

        public init(
            order: Int64, amendment: Int64?, what: String, lines: [InventoryCommand.OrderLine], previous: [InventoryCommand.OrderLine],
            region: String?,
            previousRegion: String?, rereserve: Bool
        ) {
            (self.order, self.amendment, self.what, self.lines, self.previous) = (order, amendment, what, lines, previous)
            (self.region, self.previousRegion, self.rereserve) = (region, previousRegion, rereserve)
        }

        /// Whether the change is in effect: the lines applied (or, for a region, re-reserved).
        public var inEffect: Bool { amendment == nil ? reservations != nil : snapshot != nil }
    }

    /// Not under `order:<id>:`: an order's status changes (a cancellation) do not abort it.
    public static func key(order: Int64, amendment: Int64) -> String { "amendment:\(order):\(amendment)" }
    public static func key(order: Int64, regionChange request: UUID) -> String { "amendment:\(order):region:\(request.uuidString.lowercased())" }

    public static let definition = SagaDefinition<Data>(
        type: type,
        steps: [
            SagaStep(
                "re-reserve", skip: { !$0.rereserve },
                action: { try SagaCommand(InventoryCommand.Rereserve(order: String($0.order), lines: $0.lines, shippingRegion: $0.region)) },
                onSuccess: { data, result in data.reservations = try result?.decode(InventoryResult.Reserved.self).reservations ?? [] },
                compensation: {
                    try SagaCommand(InventoryCommand.Rereserve(order: String($0.order), lines: $0.previous, shippingRegion: $0.previousRegion))
                }),
            SagaStep(
                "apply", skip: { $0.amendment == nil },
                action: { try SagaCommand(OrderCommand.ApplyAmendment(order: $0.order, amendment: $0.amendment ?? 0)) },
                onSuccess: { data, result in data.snapshot = try result?.decode(OrderCommand.AmendmentApplied.self).snapshot }),
            SagaStep(
                "reissue invoice", forwardOnly: true, skip: { $0.amendment == nil },
                action: { data in
                    guard let snapshot = data.snapshot else { return nil }
                    return try SagaCommand(
                        FinanceCommand.AmendInvoice(
                            order: snapshot, reason: "order \(data.order) amended (\(data.what), amendment \(data.amendment ?? 0))"))
                },
                onSuccess: { data, result in
                    let amended = try result?.decode(FinanceCommand.InvoiceAmended.self)
                    (data.invoice, data.open) = (amended?.issued, amended?.open)
                }),
            SagaStep(
                "settle payment state", forwardOnly: true, skip: { $0.amendment == nil },
                action: { data in
                    guard let open = data.open else { return nil }
                    return try SagaCommand(
                        OrderCommand.SettleAmendment(order: data.order, amendment: data.amendment ?? 0, open: open, invoice: data.invoice))
                }),
        ],
        onFailure: { data, failure in
            guard let amendment = data.amendment else { return [] }  // a region change refused: the order keeps what it held
            var commands = [try SagaCommand(OrderCommand.RefuseAmendment(order: data.order, amendment: amendment, reason: failure.reason))]
            // Cancelled meanwhile: what the compensation reserved again is let go.
            if failure.code == "order-cancelled", data.rereserve {
                commands.append(try SagaCommand(InventoryCommand.Release(order: String(data.order))))
            }
            return commands
        })
}
