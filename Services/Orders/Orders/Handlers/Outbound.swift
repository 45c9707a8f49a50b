import Contracts
import Foundation
import Messaging
import Postgres

/// What the orders service tells a platform back, in the transaction of the change, on
/// `erp.outbound` (`platform.<platform>.<kind>`): a parcel that left (`fulfillment.created`;
/// Shopify's own fulfillment shape for `shopify`) and a cancellation the platform did not
/// make itself (`order.cancelled`), money finance paid back (`refund.created`). Only
/// platforms in `ERP_OUTBOUND_PLATFORMS` are told.
struct OutboundPublisher: Sendable {
    let exchange: String
    let configuration: OutboundConfiguration
    let orders: OrderStore

    struct Reference { let platform: String, shop: String, externalID: String }

    /// The platform's own order behind `id`, if the platform is told: the order itself, or
    /// for a child of a split (`wholeOrderOnly` false: a parcel of it) the order the platform
    /// placed. Orders the ERP made (a merge of several, an exchange's replacement) are not the
    /// platform's, and neither is a split child for what concerns the whole order (its
    /// cancellation when a split is undone, a refund).
    func reference(_ id: Int64, wholeOrderOnly: Bool = true, in tx: PostgresTransaction) async throws -> Reference? {
        guard
            let row = try await tx.query(
                """
                SELECT o.platform, o.shop, coalesce(root.external_id, o.external_id) AS external_id, o.parent_id IS NOT NULL AS child,
                       o.exchange_for IS NOT NULL OR EXISTS (SELECT 1 FROM \(identifier: orders.schema).orders s WHERE s.merged_into = o.id) AS made
                FROM \(identifier: orders.schema).orders o LEFT JOIN \(identifier: orders.schema).orders root ON root.id = o.parent_id
                WHERE o.id = \(id)
                """
            ).first
        else { return nil }
        let made = try row.decode(Bool.self, column: "made"), child = try row.decode(Bool.self, column: "child")
        guard !made, !(wholeOrderOnly && child) else { return nil }
        let reference = Reference(
            platform: try row.decode(String.self, column: "platform"), shop: try row.decode(String.self, column: "shop"),
            externalID: try row.decode(String.self, column: "external_id"))
        return configuration.platforms.contains(reference.platform) ? reference : nil
    }

    func send<M: Message>(_ message: M, kind: String, to platform: String, _ context: HandlerContext) throws {
        let envelope = try context.envelope.reply(message, source: "erp-orders")
        context.enqueue(envelope, exchange: exchange, routingKey: Outbound.routingKey(platform: platform, kind))
    }

    func shipped(_ command: OrderCommand.Ship, warehouse: String, _ context: HandlerContext) async throws {
        guard let reference = try await reference(command.order, wholeOrderOnly: false, in: context.transaction) else { return }
        let skus = try await context.transaction.query(
            """
            SELECT line, sku FROM \(identifier: orders.schema).order_lines WHERE order_id = \(command.order) AND line = ANY(\(command.lines.map(\.line))::int[])
            """
        ).reduce(into: [Int: String]()) { $0[try $1.decode(Int.self, column: "line")] = try $1.decode(String.self, column: "sku") }
        let url = configuration.trackingURL(carrier: command.carrier, number: command.trackingNumber)
        if reference.platform == "shopify", let orderID = Int64(reference.externalID) {
            try send(
                ShopifyOutbound.Fulfillment(
                    orderId: orderID, locationId: configuration.shopifyLocations[warehouse], number: command.trackingNumber,
                    company: command.carrier, url: url, lineItems: command.lines.map { (sku: skus[$0.line] ?? "", quantity: $0.quantity) }),
                kind: Outbound.FulfillmentCreated.kind, to: reference.platform, context)
            return
        }
        try send(
            Outbound.FulfillmentCreated(
                shop: reference.shop, orderId: reference.externalID, erpOrder: command.order, shipment: command.shipment,
                lines: command.lines.map { .init(line: $0.line, sku: skus[$0.line] ?? "", quantity: $0.quantity) }, carrier: command.carrier,
                trackingNumber: command.trackingNumber, trackingUrl: url, shippedAt: command.shippedAt ?? Date()),
            kind: Outbound.FulfillmentCreated.kind, to: reference.platform, context)
    }

    /// Finance paid money back for an order.
    func refunded(_ refund: FinanceEvent.RefundRecorded, _ context: HandlerContext) async throws {
        guard let reference = try await reference(refund.order, in: context.transaction) else { return }
        try send(
            Outbound.RefundCreated(
                shop: reference.shop, orderId: reference.externalID, erpOrder: refund.order, amount: refund.amount, reason: refund.reason,
                reference: refund.reference, creditNote: refund.creditNote,
                lines: refund.lines?.map { .init(line: $0.line, amount: $0.amount, quantity: $0.quantity) }),
            kind: Outbound.RefundCreated.kind, to: reference.platform, context)
    }

    /// A cancellation the platform itself sent (actor `intake:<platform>`) is not echoed back.
    func cancelled(_ id: Int64, reason: String, actor: String, _ context: HandlerContext) async throws {
        guard let reference = try await reference(id, in: context.transaction), actor != "intake:\(reference.platform)" else { return }
        try send(
            Outbound.OrderCancelled(shop: reference.shop, orderId: reference.externalID, erpOrder: id, reason: reason, cancelledAt: Date()),
            kind: Outbound.OrderCancelled.kind, to: reference.platform, context)
    }
}
