import Contracts
import Foundation
import Logging
import Messaging
import Postgres
import ServiceLifecycle

/// Tells the other services when a SKU comes into stock or goes out of it
/// (`inventory.stock.availability.v1` on `erp.events`; the CRM recommends only what is in
/// stock): every interval it compares each SKU's available units (on hand less reserved,
/// over every warehouse) with what was last told (`availability_told`) and publishes, through
/// the outbox, each SKU whose availability crossed zero. So a SKU is told at most once per
/// interval, and its last change always. Several instances take turns (a
/// transaction-scoped advisory lock).
final class AvailabilityPublisher: Service, Sendable {
    let schema: String
    let interval: Duration
    let exchange: String
    let pool: PostgresPool
    let logger: Logger
    let outbox: Outbox

    init(schema: String, interval: Duration, exchange: String, pool: PostgresPool, logger: Logger) {
        (self.schema, self.interval, self.exchange, self.pool, self.logger) = (schema, interval, exchange, pool, logger)
        outbox = Outbox(schema: schema, source: "erp-inventory")
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let told = try await publishChanges()
                if told > 0 { logger.debug("availability told", metadata: ["count": "\(told)"]) }
            } catch {
                logger.warning("telling the SKUs' availability failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One round: publishes every SKU whose availability crossed zero since it was last told; returns how many.
    func publishChanges() async throws -> Int {
        try await pool.withTransaction { tx in
            guard try await tx.query("SELECT pg_try_advisory_xact_lock(hashtext(\(self.schema + ".availability_told")))")[0].decode(Bool.self, at: 0)
            else { return 0 }
            var entries: [Outbox.Entry] = []
            for row in try await tx.query(
                """
                WITH current AS (
                    SELECT sku, greatest(sum(on_hand - reserved), 0)::int AS available FROM \(identifier: self.schema).stock GROUP BY sku
                )
                INSERT INTO \(identifier: self.schema).availability_told AS t (sku, available)
                SELECT sku, available FROM current ORDER BY sku
                ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, told_at = now()
                    WHERE (t.available > 0) <> (EXCLUDED.available > 0)
                RETURNING sku, available
                """)
            {
                let event = InventoryEvent.AvailabilityChanged(
                    sku: try row.decode(String.self, column: "sku"), available: try row.decode(Int.self, column: "available"))
                entries.append(Outbox.Entry(try Envelope(event, source: "erp-inventory"), exchange: self.exchange))
            }
            if !entries.isEmpty { try await self.outbox.enqueue(entries, in: tx) }
            return entries.count
        }
    }
}
