import Contracts
import Foundation
import Postgres

/// Recommendations (`crm.item_pairs` and what feeds it), kept up to date one event at a time:
/// an order adds "bought together" to each pair of its SKUs and "bought by the same customer"
/// between each SKU new to the customer and what they bought before; a view adds a weaker
/// "viewed" between the SKU and what the customer bought or viewed lately; a return counts
/// against each pair of the returned SKU with the rest of its order. Nothing is ever
/// recomputed in full.
///
/// What is recommended never includes what the customer bought, an inactive SKU (or product)
/// or a SKU out of stock; when the pairs give too few, the best sellers of the customer's
/// categories fill up, then the best sellers overall (a new customer gets those).
public struct RecommendationStore: Sendable {
    let schema: String
    /// How many of a customer's SKUs (the latest first) a new SKU is paired with.
    static let historyLimit = 50
    /// How many distinct SKUs of one order are paired with each other (a huge order would
    /// make a square of pairs).
    static let orderLimit = 30
    /// How many of a customer's latest SKUs a recommendation starts from, and how many of
    /// each one's best partners it weighs.
    static let seedLimit = 30
    static let partnerLimit = 50

    public init(schema: String = "crm") { self.schema = schema }

    // MARK: - Kept up to date

    /// A new order of `customer`: its units bought, the best sellers, and its pairs. One
    /// statement, queued (no round trip of its own): what the customer bought before is read
    /// from the statement's snapshot, before its own writes.
    public func recordPurchase(
        customer: Int64, lines: [(sku: String, quantity: Int)], at: Date, in tx: PostgresTransaction
    ) async throws {
        var units: [String: Int] = [:]
        for line in lines where line.quantity > 0 { units[line.sku, default: 0] += line.quantity }
        guard !units.isEmpty else { return }
        let skus = units.keys.sorted()
        let quantities = skus.map { units[$0] ?? 0 }
        let paired = Array(skus.prefix(Self.orderLimit))
        let s = schema
        try await tx.queue(
            """
            WITH bought AS (
                SELECT sku, last_at FROM \(identifier: s).customer_items WHERE customer = \(customer) AND bought > 0
            ), history AS (
                SELECT sku FROM bought WHERE NOT sku = ANY (\(skus)::text[]) ORDER BY last_at DESC, sku LIMIT \(Self.historyLimit)
            ), fresh AS (
                SELECT sku FROM unnest(\(skus)::text[]) AS l (sku) WHERE NOT EXISTS (SELECT 1 FROM bought b WHERE b.sku = l.sku)
            ), changes AS (
                SELECT a.sku, b.sku AS other, 1 AS together, 0 AS same_customer
                FROM unnest(\(paired)::text[]) AS a (sku) CROSS JOIN unnest(\(paired)::text[]) AS b (sku) WHERE a.sku <> b.sku
                UNION ALL SELECT f.sku, h.sku, 0, 1 FROM fresh f CROSS JOIN history h
                UNION ALL SELECT h.sku, f.sku, 0, 1 FROM fresh f CROSS JOIN history h
            ), pairs AS (
                INSERT INTO \(identifier: s).item_pairs (sku, other, together, same_customer)
                SELECT sku, other, sum(together), sum(same_customer) FROM changes GROUP BY sku, other ORDER BY sku, other
                ON CONFLICT (sku, other) DO UPDATE SET together = item_pairs.together + EXCLUDED.together,
                    same_customer = item_pairs.same_customer + EXCLUDED.same_customer
            ), items AS (
                INSERT INTO \(identifier: s).customer_items (customer, sku, bought, last_at)
                SELECT \(customer), sku, quantity, \(at) FROM unnest(\(skus)::text[], \(quantities)::int[]) AS l (sku, quantity) ORDER BY sku
                ON CONFLICT (customer, sku) DO UPDATE SET bought = customer_items.bought + EXCLUDED.bought,
                    last_at = greatest(customer_items.last_at, EXCLUDED.last_at)
            )
            INSERT INTO \(identifier: s).sku_sales (sku, orders, units)
            SELECT sku, 1, quantity FROM unnest(\(skus)::text[], \(quantities)::int[]) AS l (sku, quantity) ORDER BY sku
            ON CONFLICT (sku) DO UPDATE SET orders = sku_sales.orders + 1, units = sku_sales.units + EXCLUDED.units
            """)
    }

    /// Units of `sku` came back from `order`: against each pair of it with the rest of the
    /// order (both ways), against its sales, and on the customer's items. An order the CRM
    /// does not have changes nothing.
    public func recordReturn(order: Int64, sku: String, quantity: Int, in tx: PostgresTransaction) async throws {
        let s = schema
        try await tx.queue(
            """
            WITH placed AS (
                SELECT customer, skus FROM \(identifier: s).customer_orders WHERE order_id = \(order)
            ), others AS (
                SELECT DISTINCT u.sku FROM placed CROSS JOIN unnest(placed.skus) AS u (sku) WHERE u.sku <> \(sku)
                ORDER BY u.sku LIMIT \(Self.orderLimit)
            ), pairs AS (
                INSERT INTO \(identifier: s).item_pairs (sku, other, returned)
                SELECT a, b, 1 FROM (SELECT \(sku)::text AS a, sku AS b FROM others UNION ALL SELECT sku, \(sku)::text FROM others) AS c
                ORDER BY a, b
                ON CONFLICT (sku, other) DO UPDATE SET returned = item_pairs.returned + 1
            ), items AS (
                UPDATE \(identifier: s).customer_items SET returned = returned + \(max(quantity, 0))
                WHERE customer = (SELECT coalesce(c.merged_into, c.id) FROM \(identifier: s).customers c JOIN placed ON c.id = placed.customer)
                  AND sku = \(sku)
            )
            UPDATE \(identifier: s).sku_sales SET returned = returned + 1 WHERE sku = \(sku) AND EXISTS (SELECT 1 FROM placed)
            """)
    }

    /// `customer` looked at `sku`: counted on their items; the first look pairs it (weakly,
    /// both ways) with the SKUs they bought or viewed last. One queued statement: whether it
    /// is the first look is read from its snapshot, before its own write.
    public func recordView(customer: Int64, sku: String, at: Date, in tx: PostgresTransaction) async throws {
        let s = schema
        try await tx.queue(
            """
            WITH mine AS (
                SELECT sku, last_at FROM \(identifier: s).customer_items WHERE customer = \(customer)
            ), others AS (
                SELECT sku FROM mine WHERE sku <> \(sku) AND NOT EXISTS (SELECT 1 FROM mine WHERE sku = \(sku))
                ORDER BY last_at DESC, sku LIMIT \(Self.historyLimit)
            ), pairs AS (
                INSERT INTO \(identifier: s).item_pairs (sku, other, viewed)
                SELECT a, b, 1 FROM (SELECT \(sku)::text AS a, sku AS b FROM others UNION ALL SELECT sku, \(sku)::text FROM others) AS c
                ORDER BY a, b
                ON CONFLICT (sku, other) DO UPDATE SET viewed = item_pairs.viewed + 1
            )
            INSERT INTO \(identifier: s).customer_items (customer, sku, views, last_at) VALUES (\(customer), \(sku), 1, \(at))
            ON CONFLICT (customer, sku) DO UPDATE SET views = customer_items.views + 1, last_at = greatest(customer_items.last_at, EXCLUDED.last_at)
            """)
    }

    /// The catalog's SKU: its product and whether it is sold. An older announcement than the one kept changes nothing.
    public func skuChanged(_ sku: String, product: String, active: Bool, at: Date, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).sku_facts (sku, product, active, updated_at) VALUES (\(sku), \(product), \(active), \(at))
            ON CONFLICT (sku) DO UPDATE SET product = EXCLUDED.product, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
            WHERE sku_facts.updated_at <= EXCLUDED.updated_at
            """)
    }

    /// The catalog's product: its category and whether it is sold. An older announcement than
    /// the one kept changes nothing.
    public func productChanged(_ product: String, category: String?, active: Bool, at: Date, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).product_facts (product, category, active, updated_at)
            VALUES (\(product), \(category), \(active), \(at))
            ON CONFLICT (product) DO UPDATE SET category = EXCLUDED.category, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
            WHERE product_facts.updated_at <= EXCLUDED.updated_at
            """)
    }

    /// The catalog deactivated or deleted the product: none of its SKUs is offered (its category is kept).
    public func productWithdrawn(_ product: String, at: Date, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).product_facts (product, active, updated_at) VALUES (\(product), false, \(at))
            ON CONFLICT (product) DO UPDATE SET active = false, updated_at = EXCLUDED.updated_at
            WHERE product_facts.updated_at <= EXCLUDED.updated_at
            """)
    }

    /// Inventory's word on whether any unit of `sku` is available. A SKU inventory tells of
    /// before the catalog does gets the oldest possible date, so the catalog's word on it counts.
    public func availability(_ sku: String, inStock: Bool, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).sku_facts (sku, in_stock, updated_at) VALUES (\(sku), \(inStock), '-infinity')
            ON CONFLICT (sku) DO UPDATE SET in_stock = EXCLUDED.in_stock
            """)
    }

    // MARK: - Reading

    public struct Recommendation: Codable, Sendable, Equatable {
        public var sku: String
        /// The pairs' score (nil for a best seller).
        public var score: Int?
        /// Why: `pairs`, `category` (a best seller of one of the customer's categories) or `popular`.
        public var basis: String
        /// In words, for an operator.
        public var reason: String
    }

    /// What the customer is not offered, as SQL over `f` (sku_facts) and `g` (product_facts):
    /// inactive or out of stock (what is not known yet is taken as active and in stock).
    static let offerable = "coalesce(f.active, true) AND coalesce(g.active, true) AND coalesce(f.in_stock, true)"

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case unknownCustomer(Int64)
        case forgotten(Int64)
        public var description: String {
            switch self {
            case .unknownCustomer(let id): "no customer \(id) (erpctl crm customers search)"
            case .forgotten(let id): "customer \(id) was forgotten: nothing is kept to recommend from"
            }
        }
    }

    /// Up to `limit` SKUs for `customer` (a merged profile's survivor is meant), best first.
    public func forCustomer(_ customer: Int64, limit: Int, _ pool: PostgresPool) async throws -> [Recommendation] {
        let s = schema
        guard
            let row = try await pool.query(
                "SELECT coalesce(merged_into, id), forgotten_at IS NOT NULL FROM \(identifier: s).customers WHERE id = \(customer)"
            ).first
        else { throw Refusal.unknownCustomer(customer) }
        let id = try row.decode(Int64.self, at: 0)
        guard try !row.decode(Bool.self, at: 1) else { throw Refusal.forgotten(customer) }
        var found = try await pool.query(
            """
            WITH mine AS (
                SELECT sku, CASE WHEN bought > 0 THEN 2 ELSE 1 END AS weight FROM \(identifier: s).customer_items
                WHERE customer = \(id) ORDER BY last_at DESC, sku LIMIT \(Self.seedLimit)
            ), scored AS (
                SELECT p.other AS sku, sum(p.score * m.weight)::int AS score, (array_agg(m.sku ORDER BY p.score * m.weight DESC, m.sku))[1] AS because
                FROM mine m CROSS JOIN LATERAL (
                    SELECT other, score FROM \(identifier: s).item_pairs WHERE sku = m.sku AND score > 0 ORDER BY score DESC, other LIMIT \(Self.partnerLimit)
                ) p
                GROUP BY p.other
            )
            SELECT x.sku, x.score, x.because FROM scored x
            LEFT JOIN \(identifier: s).sku_facts f ON f.sku = x.sku LEFT JOIN \(identifier: s).product_facts g ON g.product = f.product
            WHERE NOT EXISTS (SELECT 1 FROM \(identifier: s).customer_items b WHERE b.customer = \(id) AND b.sku = x.sku AND b.bought > 0)
              AND \(unescaped: Self.offerable)
            ORDER BY x.score DESC, x.sku LIMIT \(limit)
            """
        ).map {
            Recommendation(
                sku: try $0.decode(String.self, at: 0), score: try $0.decode(Int.self, at: 1), basis: "pairs",
                reason: "goes with \(try $0.decode(String.self, at: 2))")
        }
        guard found.count < limit else { return found }
        // Fewer than asked: the best sellers of the customer's categories, then of all.
        let categories = try await pool.query(
            """
            SELECT DISTINCT g.category FROM \(identifier: s).customer_items ci JOIN \(identifier: s).sku_facts f ON f.sku = ci.sku
            JOIN \(identifier: s).product_facts g ON g.product = f.product WHERE ci.customer = \(id) AND g.category IS NOT NULL
            """
        ).map { try $0.decode(String.self, at: 0) }
        found += try await bestSellers(
            in: categories, excludingBoughtBy: id, excluding: found.map(\.sku), limit: limit - found.count, pool)
        return found
    }

    /// Up to `limit` SKUs that go with `sku`, best first.
    public func similar(to sku: String, limit: Int, _ pool: PostgresPool) async throws -> [Recommendation] {
        let s = schema
        var found = try await pool.query(
            """
            SELECT p.other, p.score FROM \(identifier: s).item_pairs p
            LEFT JOIN \(identifier: s).sku_facts f ON f.sku = p.other LEFT JOIN \(identifier: s).product_facts g ON g.product = f.product
            WHERE p.sku = \(sku) AND p.score > 0 AND \(unescaped: Self.offerable)
            ORDER BY p.score DESC, p.other LIMIT \(limit)
            """
        ).map {
            Recommendation(sku: try $0.decode(String.self, at: 0), score: try $0.decode(Int.self, at: 1), basis: "pairs", reason: "goes with \(sku)")
        }
        guard found.count < limit else { return found }
        let categories = try await pool.query(
            """
            SELECT g.category FROM \(identifier: s).sku_facts f JOIN \(identifier: s).product_facts g ON g.product = f.product
            WHERE f.sku = \(sku) AND g.category IS NOT NULL
            """
        ).map { try $0.decode(String.self, at: 0) }
        found += try await bestSellers(
            in: categories, excludingBoughtBy: nil, excluding: found.map(\.sku) + [sku], limit: limit - found.count, pool)
        return found
    }

    /// The best sellers of `categories`, then of all.
    private func bestSellers(
        in categories: [String], excludingBoughtBy customer: Int64?, excluding: [String], limit: Int, _ pool: PostgresPool
    ) async throws -> [Recommendation] {
        let s = schema
        let notBought =
            customer.map {
                "NOT EXISTS (SELECT 1 FROM \(PostgresQuery.quoteIdentifier(s)).customer_items b WHERE b.customer = \($0) AND b.sku = x.sku AND b.bought > 0)"
            } ?? "true"
        var found: [Recommendation] = []
        if !categories.isEmpty {
            found = try await pool.query(
                """
                SELECT x.sku, g.category FROM \(identifier: s).sku_sales x
                JOIN \(identifier: s).sku_facts f ON f.sku = x.sku JOIN \(identifier: s).product_facts g ON g.product = f.product
                WHERE g.category = ANY (\(categories)::text[]) AND NOT x.sku = ANY (\(excluding)::text[])
                  AND \(unescaped: notBought) AND \(unescaped: Self.offerable)
                ORDER BY x.orders - x.returned DESC, x.sku LIMIT \(limit)
                """
            ).map {
                Recommendation(
                    sku: try $0.decode(String.self, at: 0), score: nil, basis: "category",
                    reason: "a best seller in \(try $0.decode(String.self, at: 1))")
            }
        }
        guard found.count < limit else { return found }
        for row in try await pool.query(
            """
            SELECT x.sku FROM \(identifier: s).sku_sales x
            LEFT JOIN \(identifier: s).sku_facts f ON f.sku = x.sku LEFT JOIN \(identifier: s).product_facts g ON g.product = f.product
            WHERE NOT x.sku = ANY (\((excluding + found.map(\.sku)))::text[]) AND \(unescaped: notBought) AND \(unescaped: Self.offerable)
            ORDER BY x.orders - x.returned DESC, x.sku LIMIT \(limit - found.count)
            """)
        {
            found.append(Recommendation(sku: try row.decode(String.self, at: 0), score: nil, basis: "popular", reason: "a best seller"))
        }
        return found
    }
}
