import Contracts
import Foundation
import Ingest

/// Reads a platform order message into an ``IntakeOrder`` or says exactly why not. Pure:
/// the whole path a message takes before the database, so that it can be tested (and
/// fuzzed) without servers.
public enum IntakeReading {
    /// Everything that can be checked without the database: size, routing key, platform,
    /// signature, strict JSON, the format's schema, and the order's own rules (``IntakeValidation``).
    public static func read(_ message: IngestMessage, configuration: IngestConfiguration) throws(IntakeRejection) -> IntakeOrder {
        try message.requireSize()
        let key = try IngestRoutingKey(message.routingKey)
        guard let format = configuration.format(of: key.platform) else {
            throw IntakeRejection("unknown-platform", "platform '\(key.platform)' is not registered (ERP_INGEST_GENERIC_PLATFORMS)")
        }
        try configuration.verify(message, platform: key.platform)
        let canonical: CanonicalOrder
        switch format {
        case .canonical:
            let document = try Self.strictJSON(message.body)
            if let violation = CanonicalOrderSchema.schema.violation(of: document) {
                throw IntakeRejection(violation.structural ? "undecodable" : "invalid", violation.description)
            }
            do { canonical = try CanonicalOrder(validated: document) } catch { throw IntakeRejection("undecodable", error.description) }
        case .shopify:
            _ = try Self.strictJSON(message.body)
            let shopify: ShopifyOrder
            do { shopify = try MessageCoding.decoder().decode(ShopifyOrder.self, from: message.body) } catch {
                throw IntakeRejection("undecodable", MessageCoding.describe(error))
            }
            guard let shop = message.shopHeader, !shop.isEmpty else {
                throw IntakeRejection(
                    "invalid", "a Shopify message names its shop in the \(IngestMessage.shopifyShopHeader) header, and this one has none")
            }
            canonical = try ShopifyMapping.canonical(shopify, shop: shop)
        }
        return try IntakeValidation.validate(canonical, key: key)
    }

    /// The body as strict JSON (no key twice, not too deep, UTF-8), or why it is not.
    public static func strictJSON(_ body: Data) throws(IntakeRejection) -> StrictJSON {
        try IngestMessage.strictJSON(body)
    }
}
