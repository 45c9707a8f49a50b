import AMQP
import Contracts
import Foundation
import Ingest
import Messaging

/// The platform messages of the soak, as the two formats arrive: the canonical format from
/// the web shop (`platform.web.order.<event>`) and Shopify's order JSON, signed
/// (`platform.shopify.order.<event>`, the shop in `x-shopify-shop-domain`).
public enum PlatformMessages {
    public static let shopifyShop = "soak-shop.myshopify.com"
    public static let shopifySecret = "soak-shopify-secret"

    /// The demo catalog's SKUs and prices in fen (the soak imports the demo products).
    public static let skus: [(sku: String, price: Int)] =
        [("MUG-CLASSIC", 3_900), ("TEA-OOLONG", 6_800), ("BAG-TOTE", 5_900)]
        + ["WHITE", "BLACK", "NAVY"].flatMap { colour in ["S", "M", "L", "XL"].map { ("TEE-BASIC-\(colour)-\($0)", 7_900) } }
    public static let warehouses = ["SH", "GZ", "BJ"]

    public struct Draft: Sendable {
        public let platform: String
        public let externalID: String
        public let customer: Int
        public let lines: [(sku: String, quantity: Int, price: Int)]
        public let shippingFee: Int
        public var shop: String { platform == "shopify" ? PlatformMessages.shopifyShop : "main" }
        public var key: String { "\(platform)/\(shop)/\(externalID)" }
        public var total: Int { lines.reduce(shippingFee) { $0 + $1.quantity * $1.price } }
    }

    static func decimal(_ minor: Int) -> String { String(format: "%d.%02d", minor / 100, minor % 100) }

    static func properties(messageID: String, headers: AMQPTable = [:]) -> AMQPProperties {
        AMQPProperties(contentType: "application/json", headers: headers, persistent: true, messageID: messageID)
    }

    /// One revision of an order: `event` is created, updated, paid or cancelled.
    public static func message(_ draft: Draft, revision: Int, event: String, paid: Bool, addressVersion: Int = 0, messageID: String) throws
        -> AMQPMessage
    {
        draft.platform == "shopify"
            ? try shopify(draft, revision: revision, event: event, paid: paid, addressVersion: addressVersion, messageID: messageID)
            : try canonical(draft, revision: revision, event: event, paid: paid, addressVersion: addressVersion, messageID: messageID)
    }

    static func canonical(_ draft: Draft, revision: Int, event: String, paid: Bool, addressVersion: Int, messageID: String) throws
        -> AMQPMessage
    {
        let order = CanonicalOrder(
            platform: "web", shop: draft.shop, externalId: draft.externalID, revision: revision, placedAt: "2026-11-30T10:00:00Z",
            currency: "CNY", customer: .init(externalId: "C\(draft.customer)", name: "客户\(draft.customer)", email: "c\(draft.customer)@soak.example"),
            shippingAddress: .init(
                name: "客户\(draft.customer)", country: "CN", province: "上海市", city: "上海市", line1: "南京路 \(draft.customer + addressVersion * 1000) 号"),
            lines: draft.lines.map { .init(sku: $0.sku, quantity: $0.quantity, unitPrice: decimal($0.price)) },
            shippingFee: decimal(draft.shippingFee),
            payment: paid ? .init(status: "paid", method: "alipay", amount: decimal(draft.total)) : .init(status: "pending"))
        return AMQPMessage(
            exchange: Exchanges.ingest, routingKey: "platform.web.order.\(event)", body: try MessageCoding.encoder().encode(order),
            properties: properties(messageID: messageID))
    }

    static func shopify(_ draft: Draft, revision: Int, event: String, paid: Bool, addressVersion: Int, messageID: String) throws
        -> AMQPMessage
    {
        // Shopify's revision is updated_at: one second per revision after the order's creation.
        let created = Date(timeIntervalSince1970: 1_796_000_000)
        let stamp = { (date: Date) in date.formatted(.iso8601) }
        let object: [String: Any] = [
            "id": Int64(draft.externalID)!, "name": "#\(draft.externalID)", "email": "c\(draft.customer)@soak.example",
            "created_at": stamp(created), "updated_at": stamp(created.addingTimeInterval(Double(revision))), "processed_at": stamp(created),
            "currency": "CNY", "taxes_included": true, "financial_status": paid ? "paid" : "pending", "total_price": decimal(draft.total),
            "gateway": "shopify_payments", "cancelled_at": event == "cancelled" ? stamp(created.addingTimeInterval(Double(revision))) : NSNull(),
            "customer": [
                "id": 7_000 + draft.customer, "email": "c\(draft.customer)@soak.example", "first_name": "客户", "last_name": "\(draft.customer)",
            ],
            "shipping_address": [
                "name": "客户\(draft.customer)", "address1": "南京路 \(draft.customer + addressVersion * 1000) 号", "city": "上海市",
                "province": "上海市", "country_code": "CN", "zip": "200000",
            ],
            "line_items": draft.lines.enumerated().map { index, line in
                [
                    "id": index + 1, "sku": line.sku, "title": line.sku, "quantity": line.quantity, "price": decimal(line.price),
                    "total_discount": "0.00",
                ] as [String: Any]
            },
            "shipping_lines": [["code": "standard", "title": "Standard", "price": decimal(draft.shippingFee)]],
        ]
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let signature = IngestConfiguration.signature(of: body, secret: shopifySecret)
        return AMQPMessage(
            exchange: Exchanges.ingest, routingKey: "platform.shopify.order.\(event)", body: body,
            properties: properties(
                messageID: messageID,
                headers: [IngestMessage.shopifyShopHeader: .string(shopifyShop), IngestMessage.signatureHeader: .string(signature)]))
    }

    /// A message that must be quarantined, of one of five kinds; returns its kind too.
    public static func bad(_ choice: Int, externalID: String, messageID: String) throws -> (kind: String, message: AMQPMessage) {
        let draft = Draft(platform: "web", externalID: externalID, customer: 1, lines: [("MUG-CLASSIC", 1, 3_900)], shippingFee: 0)
        switch choice % 5 {
        case 0:
            return (
                "bad: not JSON",
                AMQPMessage(
                    exchange: Exchanges.ingest, routingKey: "platform.web.order.created", body: Data("{\"external_id\": \"\(externalID)\", ".utf8),
                    properties: properties(messageID: messageID))
            )
        case 1:
            var message = try canonical(draft, revision: 1, event: "created", paid: false, addressVersion: 0, messageID: messageID)
            message.routingKey = "platform.web.order.exploded"
            return ("bad: unknown event", message)
        case 2:
            var message = try shopify(
                Draft(
                    platform: "shopify", externalID: String(9_000_000 + (Int(externalID.filter(\.isNumber)) ?? 0)), customer: 1, lines: draft.lines,
                    shippingFee: 0),
                revision: 1, event: "created", paid: true, addressVersion: 0, messageID: messageID)
            message.properties.headers[IngestMessage.signatureHeader] = .string("bm90IHRoZSBzaWduYXR1cmU=")
            return ("bad: wrong signature", message)
        case 3:
            let overflowing = String(
                decoding: try MessageCoding.encoder().encode(
                    CanonicalOrder(
                        platform: "web", shop: "main", externalId: externalID, revision: 1, placedAt: "2026-11-30T10:00:00Z", currency: "CNY",
                        lines: [.init(sku: "MUG-CLASSIC", quantity: 1, unitPrice: "92233720368547758.07")])), as: UTF8.self)
            return (
                "bad: overflowing amount",
                AMQPMessage(
                    exchange: Exchanges.ingest, routingKey: "platform.web.order.created", body: Data(overflowing.utf8),
                    properties: properties(messageID: messageID))
            )
        default:
            let withNUL = try canonical(draft, revision: 1, event: "created", paid: false, addressVersion: 0, messageID: messageID)
            let text = String(decoding: withNUL.body, as: UTF8.self).replacingOccurrences(of: externalID, with: externalID + "\\u0000")
            return (
                "bad: NUL in the id",
                AMQPMessage(exchange: Exchanges.ingest, routingKey: withNUL.routingKey, body: Data(text.utf8), properties: withNUL.properties)
            )
        }
    }
}
