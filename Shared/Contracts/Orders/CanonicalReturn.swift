/// A return a customer asked for on a platform, published to `erp.ingest` with routing key
/// `platform.<platform>.return.requested`: the platform's order (`shop`, `externalId`),
/// its own id for the return, the SKUs and units, why, and whether goods come back or only
/// money (`kind`: `return`, the default, `refund_only` or `return_without_refund`).
public struct CanonicalReturn: Codable, Sendable, Equatable {
    public var shop: String
    public var externalId: String
    public var returnId: String
    public var lines: [Line]
    public var reason: String?
    public var kind: String?

    public struct Line: Codable, Sendable, Equatable {
        public var sku: String
        public var quantity: Int
        public init(sku: String, quantity: Int) { (self.sku, self.quantity) = (sku, quantity) }
    }

    public init(shop: String, externalId: String, returnId: String, lines: [Line], reason: String? = nil, kind: String? = nil) {
        (self.shop, self.externalId, self.returnId, self.lines, self.reason, self.kind) = (shop, externalId, returnId, lines, reason, kind)
    }
}

extension OrderEvent {
    /// A platform's return request, taken by intake for an order it knows: the saga
    /// coordinator starts the return (its RMA is `RMA-<platform>-<the platform's return id>`).
    public struct ReturnRequested: Message, Equatable {
        public static let type: MessageType = "orders.return.requested.v1"
        public var order: Int64
        public var rma: String
        public var lines: [OrderCommand.ShipmentLine]
        public var kind: ReturnKind
        public var reason: String
        public init(order: Int64, rma: String, lines: [OrderCommand.ShipmentLine], kind: ReturnKind, reason: String) {
            (self.order, self.rma, self.lines, self.kind, self.reason) = (order, rma, lines, kind, reason)
        }
    }
}
