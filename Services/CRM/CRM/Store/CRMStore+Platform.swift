import Contracts
import Foundation
import Postgres

/// What platforms tell the CRM about their customers, inside the caller's transaction.
extension CRMStore {
    /// The language and tags a platform gives: the language replaces the one held, the tags
    /// are added to the profile's (each once).
    func describe(_ customer: Int64, language: String?, tags: [String], in tx: PostgresTransaction) async throws {
        guard language != nil || !tags.isEmpty else { return }
        try await tx.queue(
            """
            UPDATE \(identifier: schema).customers SET language = coalesce(\(language), language),
                tags = ARRAY(SELECT DISTINCT t FROM unnest(tags || \(tags)::text[]) AS t ORDER BY t), updated_at = now()
            WHERE id = \(customer)
            """)
    }

    /// The live profile a key belongs to, if any.
    func customer(byKey key: ContactKey, in tx: PostgresTransaction) async throws -> Int64? {
        try await tx.query(
            """
            SELECT k.customer FROM \(identifier: schema).customer_keys k JOIN \(identifier: schema).customers c ON c.id = k.customer
            WHERE k.kind = \(key.kind) AND k.value = \(key.value) AND c.merged_into IS NULL AND c.forgotten_at IS NULL
            """
        ).first?.decode(Int64.self, at: 0)
    }

    /// The order `externalID` of `platform`/`shop`, if it is one of `customer`'s.
    func order(platform: String, shop: String, externalID: String, of customer: Int64, in tx: PostgresTransaction) async throws -> Int64? {
        try await tx.query(
            """
            SELECT order_id FROM \(identifier: schema).customer_orders
            WHERE external_id = \(externalID) AND platform = \(platform) AND shop = \(shop) AND customer = \(customer)
            """
        ).first?.decode(Int64.self, at: 0)
    }

    /// Whether the customer's latest statement on `channel` says `optedIn` already.
    func consentIs(_ optedIn: Bool, customer: Int64, channel: MarketingChannel, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(
            """
            SELECT opted_in FROM \(identifier: schema).consent_changes WHERE customer = \(customer) AND channel = \(channel.rawValue)
            ORDER BY at DESC, id DESC LIMIT 1
            """
        ).first?.decode(Bool.self, at: 0) == optedIn
    }

    /// An order that ships goods free: kept on the timeline, out of spend and segments.
    func markFreeReplacement(_ order: Int64, of original: Int64, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            "UPDATE \(identifier: schema).customer_orders SET free_replacement_of = \(original) WHERE order_id = \(order)")
    }
}
