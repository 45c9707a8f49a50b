import Contracts
import Foundation
import SagaKit

/// Order fulfilment: (hold for the merge window, when automatic merging is on) → reserve stock → wait for payment (paid orders skip it; unpaid ones are
/// cancelled at the deadline) → allocate the order (what is reserved where, for the
/// warehouses to pick) → wait until the warehouses confirmed every line shipped (each
/// confirmed parcel issues its own stock: ``ShipmentIssue``; past the ship-by deadline the
/// order is flagged and announced late, and the wait goes on) → wait for delivery (with no
/// delivery scan in time, the parcels are taken as delivered) → complete. Nothing about a
/// shipment is made up here. A failure
/// releases what was reserved; then a refused reservation puts the order on hold
/// (backorder) or cancels it (``Backorders``), an unpaid timeout cancels it and voids its invoice, and a cancellation
/// (the order became cancelled before shipment) voids the invoice or refunds the payment.
public enum Fulfilment {
    public static let type = "fulfilment"

    public struct Data: Codable, Sendable, Equatable {
        public var order: Int64
        public var lines: [InventoryCommand.OrderLine]
        public var region: String?
        public var paid: Bool
        public var reservations: [InventoryResult.Reservation] = []
        /// What the customer pays (refunded in full when a paid order is cancelled).
        public var total: Money?
        /// No delivery scan came in time: the parcel is taken as delivered.
        public var deliveryAssumed: Bool?
        /// Not shipped by the ship-by deadline: reported late, still waited for.
        public var shipLate: Bool?
        /// Held for the merge window first (automatic merging is on and the order is new).
        public var mergeHold: Bool?
        /// Released from the backorder queue: once reserved, it leaves the queue and the next
        /// order waiting for its SKUs is released.
        public var fromBackorder: Bool?

        public init(order: Int64, lines: [InventoryCommand.OrderLine], region: String?, paid: Bool, total: Money? = nil) {
            (self.order, self.lines, self.region, self.paid, self.total) = (order, lines, region, paid, total)
        }

        public init(_ snapshot: OrderSnapshot) {
            self.init(
                order: snapshot.order, lines: snapshot.lines.map { .init(line: $0.line, sku: $0.sku, quantity: $0.quantity) },
                // The order's state says whether it is paid (a merged order may carry a paid source's payment record).
                region: snapshot.shippingAddress?.province, paid: snapshot.status == .paid,
                total: snapshot.total)
        }

        var reference: String { String(order) }
    }

    public static func key(order: Int64) -> String { "order:\(order):fulfilment" }

    /// What the order is to ship from where: its reservations.
    static func allocations(_ data: Data) -> [OrderCommand.Allocation] {
        data.reservations.map { .init(line: $0.line, sku: $0.sku, warehouse: $0.warehouse, quantity: $0.quantity) }
    }

    struct StatusChange: Decodable { let order: Int64; let to: OrderStatus }

    static func statusBecomes(_ status: OrderStatus) -> @Sendable (Data, SagaPayload) -> Bool {
        { data, body in
            guard let change = try? body.decode(StatusChange.self) else { return false }
            return change.order == data.order && change.to == status
        }
    }

    /// What a reservation refused for want of stock does to the order.
    public enum Backorders: String, Sendable, CaseIterable {
        /// The order waits on hold until someone releases it (the stock came).
        case hold
        /// The order is cancelled and its invoice voided (or its payment refunded).
        case cancel
    }

    public static func definition(
        paymentTimeout: Duration = .seconds(1800), shipBy: Duration = .seconds(48 * 3600), deliveryTimeout: Duration = .seconds(30 * 86_400),
        mergeWindow: Duration = .zero, backorders: Backorders = .hold
    ) -> SagaDefinition<Data> {
        SagaDefinition(
            type: type,
            steps: [
                // Another order of the same customer to the same address may come within the
                // window: the coordinator merges them, which supersedes this fulfilment.
                SagaStep(
                    "hold for merging", timeout: mergeWindow, skip: { $0.mergeHold != true || mergeWindow <= .zero }, action: { _ in nil },
                    awaiting: .delay),
                SagaStep(
                    "reserve stock",
                    action: { try SagaCommand(InventoryCommand.Reserve(order: $0.reference, lines: $0.lines, shippingRegion: $0.region)) },
                    onSuccess: { data, result in data.reservations = try result?.decode(InventoryResult.Reserved.self).reservations ?? [] },
                    compensation: { try SagaCommand(InventoryCommand.Release(order: $0.reference)) }),
                SagaStep(
                    "await payment", timeout: paymentTimeout, skip: { $0.paid }, action: { _ in nil },
                    awaiting: .event(OrderEvent.StatusChanged.type), matches: statusBecomes(.paid), onSuccess: { data, _ in data.paid = true }),
                SagaStep("allocate", action: { try SagaCommand(OrderCommand.Allocate(order: $0.order, allocations: allocations($0))) }),
                // The warehouses confirm their parcels (orders.ship.v1 or warehouse.<w>.shipment.confirmed);
                // the order becomes shipped once every line has.
                SagaStep(
                    "await shipment", timeout: shipBy, onTimeout: .proceed, action: { _ in nil }, awaiting: .event(OrderEvent.StatusChanged.type),
                    matches: statusBecomes(.shipped), onSuccess: { data, body in if body == nil { data.shipLate = true } }),
                SagaStep(
                    "report late", skip: { $0.shipLate != true },
                    action: { data in
                        try SagaCommand(OrderCommand.ReportShipLate(order: data.order, hours: Int(shipBy.components.seconds / 3600)))
                    }),
                // Still waited for; if not even by the delivery limit, the saga stops for a person (nothing is undone).
                SagaStep(
                    "await shipment after deadline", timeout: deliveryTimeout, forwardOnly: true, skip: { $0.shipLate != true }, action: { _ in nil },
                    awaiting: .event(OrderEvent.StatusChanged.type), matches: statusBecomes(.shipped)),
                SagaStep(
                    "await delivery", timeout: deliveryTimeout, onTimeout: .proceed, action: { _ in nil },
                    awaiting: .event(OrderEvent.StatusChanged.type),
                    matches: statusBecomes(.delivered), onSuccess: { data, body in if body == nil { data.deliveryAssumed = true } }),
                SagaStep(
                    "take as delivered", skip: { $0.deliveryAssumed != true },
                    action: { data in
                        try SagaCommand(
                            OrderCommand.ChangeStatus(
                                order: data.order, to: .delivered,
                                reason: "no delivery scan within \(deliveryTimeout.components.seconds / 86_400) days: taken as delivered"))
                    }),
                SagaStep("complete", action: { try SagaCommand(OrderCommand.ChangeStatus(order: $0.order, to: .completed, reason: "delivered")) }),
            ],
            onFailure: { data, failure in
                func refundOrVoid(_ reason: String) throws -> SagaCommand {
                    if data.paid, let total = data.total {
                        return try SagaCommand(
                            FinanceCommand.RecordRefund(order: data.order, amount: total, reason: reason, reference: "cancel-\(data.order)"))
                    }
                    return try SagaCommand(FinanceCommand.VoidInvoice(order: data.order, reason: reason))
                }
                if failure.code == "aborted" {
                    // Cancelled (by the platform or an operator) before shipment: the order is cancelled already.
                    return [try refundOrVoid("order cancelled: \(failure.reason)")]
                }
                if failure.code == "timeout", failure.step == "await payment" {
                    return [
                        try SagaCommand(OrderCommand.ChangeStatus(order: data.order, to: .cancelled, reason: "not paid in time")),
                        try SagaCommand(FinanceCommand.VoidInvoice(order: data.order, reason: "order cancelled: not paid in time")),
                    ]
                }
                if failure.code == "insufficient-stock", backorders == .cancel {
                    return [
                        try SagaCommand(OrderCommand.ChangeStatus(order: data.order, to: .cancelled, reason: "out of stock: \(failure.reason)")),
                        try refundOrVoid("order cancelled: out of stock"),
                    ]
                }
                return [
                    try SagaCommand(
                        OrderCommand.ChangeStatus(
                            order: data.order, to: .onHold, reason: "\(failure.step) failed: \(failure.reason)"))
                ]
            })
    }
}
