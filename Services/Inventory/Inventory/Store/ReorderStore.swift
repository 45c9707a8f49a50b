import Contracts
import Postgres

/// Reorder rules and purchase requests. ``evaluate(sku:warehouse:in:)`` runs in every
/// transaction that lowers available stock; the rule row is locked while it decides, and
/// a unique index on open requests makes a second open request impossible even if two
/// decisions raced.
public struct ReorderStore: Sendable {
    public let schema: String
    public init(schema: String = "inventory") { self.schema = schema }
    private var table: String { PostgresQuery.quoteIdentifier(schema) }

    public func setRule(sku: String, warehouse: String, rule: ReorderRule, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(table).reorder_rules (sku, warehouse, minimum, maximum) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (sku, warehouse) DO UPDATE SET minimum = EXCLUDED.minimum, maximum = EXCLUDED.maximum
                    """, binds: [sku, warehouse, rule.minimum, rule.maximum]))
    }

    /// What an evaluation raised: the alert and the request it opened.
    public struct Raised: Sendable, Equatable {
        public let low: InventoryEvent.Low
        public let request: InventoryEvent.PurchaseRequested
    }

    /// The places among these that have a reorder rule (one query, so that changes to
    /// stock without rules cost one round trip).
    public func placesWithRules(_ places: [(sku: String, warehouse: String)], in tx: PostgresTransaction) async throws
        -> [(sku: String, warehouse: String)]
    {
        guard !places.isEmpty else { return [] }
        return try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT DISTINCT r.sku, r.warehouse FROM \(table).reorder_rules r
                    JOIN unnest($1::text[], $2::text[]) AS p (sku, warehouse) ON p.sku = r.sku AND p.warehouse = r.warehouse
                    ORDER BY r.sku, r.warehouse
                    """, binds: [places.map(\.sku), places.map(\.warehouse)])
        ).map {
            (try $0.decode(String.self, column: "sku"), try $0.decode(String.self, column: "warehouse"))
        }
    }

    /// Applies the SKU's rule in this warehouse to its stock as it now stands.
    public func evaluate(sku: String, warehouse: String, in tx: PostgresTransaction) async throws -> Raised? {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT minimum, maximum FROM \(table).reorder_rules WHERE sku = $1 AND warehouse = $2 FOR UPDATE",
                    binds: [sku, warehouse])
            ).first
        else { return nil }
        let rule = try ReorderRule(minimum: try row.decode(Int.self, column: "minimum"), maximum: try row.decode(Int.self, column: "maximum"))
        let available = try await StockStore(schema: schema).level(sku: sku, warehouse: warehouse, in: tx).available
        let open = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT count(*)::int AS requests, coalesce(sum(quantity - received_quantity), 0)::int AS on_order
                    FROM \(table).purchase_requests WHERE sku = $1 AND warehouse = $2 AND status = 'open'
                    """, binds: [sku, warehouse]))[0]
        let decision = rule.decide(
            available: available, onOrder: try open.decode(Int.self, column: "on_order"),
            requestOpen: try open.decode(Int.self, column: "requests") > 0)
        guard case .requestPurchase(let quantity) = decision else { return nil }
        guard
            let inserted = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(table).purchase_requests (sku, warehouse, quantity) VALUES ($1, $2, $3)
                        ON CONFLICT (sku, warehouse) WHERE status = 'open' DO NOTHING RETURNING id
                        """, binds: [sku, warehouse, quantity])
            ).first
        else { return nil }
        return Raised(
            low: InventoryEvent.Low(sku: sku, warehouse: warehouse, available: available, minimum: rule.minimum),
            request: InventoryEvent.PurchaseRequested(
                request: try inserted.decode(Int64.self, at: 0), sku: sku, warehouse: warehouse, quantity: quantity))
    }

    /// Closes an open request that a receipt of this SKU into this warehouse answers;
    /// nil if there is no such open request.
    public func close(request: Int64, sku: String, warehouse: String, received: Int, in tx: PostgresTransaction) async throws
        -> InventoryEvent.PurchaseRequestClosed?
    {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE \(table).purchase_requests
                        SET status = 'closed', received_quantity = received_quantity + $4, closed_at = now()
                        WHERE id = $1 AND sku = $2 AND warehouse = $3 AND status = 'open' RETURNING received_quantity
                        """, binds: [request, sku, warehouse, received])
            ).first
        else { return nil }
        return InventoryEvent.PurchaseRequestClosed(request: request, receivedQuantity: try row.decode(Int.self, at: 0))
    }
}
