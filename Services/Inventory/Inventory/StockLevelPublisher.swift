import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import ServiceLifecycle

/// Tells the platforms how many units they may sell (`inventory.level` on `erp.outbound`):
/// every interval it compares each SKU's available units (summed over the warehouses that
/// serve the platform; for Shopify per mapped location and item) with what the platform was
/// last told (`outbound_levels`) and sends what changed, through the outbox. So a SKU is sent
/// at most once per interval, and its last change is always sent. Several instances take
/// turns (a transaction-scoped advisory lock).
final class StockLevelPublisher: Service, Sendable {
    let schema: String
    let settings: StockLevelSettings
    let exchange: String
    let pool: PostgresPool
    let logger: Logger
    let outbox: Outbox
    /// Called after each round (tests).
    let onRound: (@Sendable () -> Void)?

    init(
        schema: String, settings: StockLevelSettings, exchange: String, pool: PostgresPool, logger: Logger, onRound: (@Sendable () -> Void)? = nil
    ) {
        (self.schema, self.settings, self.exchange, self.pool, self.logger) = (schema, settings, exchange, pool, logger)
        outbox = Outbox(schema: schema, source: "erp-inventory")
        self.onRound = onRound
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let sent = try await publishChanges()
                if sent > 0 { logger.debug("stock levels told to the platforms", metadata: ["count": "\(sent)"]) }
            } catch {
                logger.warning("telling the platforms the stock levels failed; trying again", metadata: ["error": "\(error)"])
            }
            onRound?()
            try? await Task.sleep(for: settings.interval)
        }
    }

    /// One round: sends every level that changed since it was last sent; returns how many.
    func publishChanges(now: Date = Date()) async throws -> Int {
        try await pool.withTransaction { tx in
            guard try await tx.query("SELECT pg_try_advisory_xact_lock(hashtext(\(self.schema + ".outbound_levels")))")[0].decode(Bool.self, at: 0)
            else { return 0 }
            let all = try await tx.query("SELECT code FROM \(identifier: self.schema).warehouses ORDER BY code").map {
                try $0.decode(String.self, at: 0)
            }
            var pairs: [(platform: String, warehouse: String)] = []
            for platform in self.settings.platforms where platform != "shopify" {
                for warehouse in self.settings.warehouses[platform] ?? all { pairs.append((platform, warehouse)) }
            }
            var entries: [Outbox.Entry] = []
            // The canonical platforms: one level per SKU, summed over the warehouses that serve them.
            for row in try await tx.query(
                """
                WITH served AS (SELECT * FROM unnest(\(pairs.map(\.platform))::text[], \(pairs.map(\.warehouse))::text[]) AS s (platform, warehouse)),
                current AS (
                    SELECT s.platform, st.sku, sum(st.on_hand - st.reserved)::int AS available
                    FROM \(identifier: self.schema).stock st JOIN served s ON s.warehouse = st.warehouse GROUP BY s.platform, st.sku
                )
                INSERT INTO \(identifier: self.schema).outbound_levels (platform, sku, location, available)
                SELECT platform, sku, '', available FROM current
                ON CONFLICT (platform, sku, location) DO UPDATE SET available = EXCLUDED.available, sent_at = now()
                    WHERE outbound_levels.available <> EXCLUDED.available
                RETURNING platform, sku, available
                """)
            {
                let platform = try row.decode(String.self, column: "platform")
                let level = Outbound.InventoryLevel(
                    sku: try row.decode(String.self, column: "sku"), available: try row.decode(Int.self, column: "available"),
                    warehouses: self.settings.warehouses[platform] ?? all, at: now)
                entries.append(
                    Outbox.Entry(
                        try Envelope(level, source: "erp-inventory"), exchange: self.exchange,
                        routingKey: Outbound.routingKey(platform: platform, Outbound.InventoryLevel.kind)))
            }
            // Shopify: per location (warehouse) and inventory item (SKU) it has mapped.
            if self.settings.platforms.contains("shopify"), !self.settings.shopifyLocations.isEmpty, !self.settings.shopifyItems.isEmpty {
                let locations = self.settings.shopifyLocations, items = self.settings.shopifyItems
                for row in try await tx.query(
                    """
                    INSERT INTO \(identifier: self.schema).outbound_levels (platform, sku, location, available)
                    SELECT 'shopify', st.sku, st.warehouse, st.on_hand - st.reserved FROM \(identifier: self.schema).stock st
                    WHERE st.warehouse = ANY(\(Array(locations.keys))::text[]) AND st.sku = ANY(\(Array(items.keys))::text[])
                    ON CONFLICT (platform, sku, location) DO UPDATE SET available = EXCLUDED.available, sent_at = now()
                        WHERE outbound_levels.available <> EXCLUDED.available
                    RETURNING sku, location, available
                    """)
                {
                    let sku = try row.decode(String.self, column: "sku"), warehouse = try row.decode(String.self, column: "location")
                    guard let item = items[sku], let location = locations[warehouse] else { continue }
                    entries.append(
                        Outbox.Entry(
                            try Envelope(
                                ShopifyOutbound.InventoryLevelSet(
                                    locationId: location, inventoryItemId: item, available: try row.decode(Int.self, column: "available")),
                                source: "erp-inventory"),
                            exchange: self.exchange, routingKey: Outbound.routingKey(platform: "shopify", Outbound.InventoryLevel.kind)))
                }
            }
            if !entries.isEmpty { try await self.outbox.enqueue(entries, in: tx) }
            return entries.count
        }
    }
}
