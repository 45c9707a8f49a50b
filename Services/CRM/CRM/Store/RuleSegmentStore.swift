import Contracts
import Foundation
import Postgres

/// Rule segments and their members in the crm schema, inside the caller's transaction.
public struct RuleSegmentStore: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    func define(_ name: String, rule: String, actor: String, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).rule_segments (name, rule, defined_by) VALUES (\(name), \(rule)::jsonb, \(actor))
            ON CONFLICT (name) DO UPDATE SET rule = EXCLUDED.rule, defined_by = EXCLUDED.defined_by, defined_at = now()
            """)
    }

    /// Every rule segment's name and rule.
    func all(in tx: PostgresTransaction) async throws -> [(name: String, rule: SegmentRule)] {
        try await tx.query("SELECT name, rule::text FROM \(identifier: schema).rule_segments ORDER BY name").map {
            (try $0.decode(String.self, at: 0), try SegmentRule.parse(try $0.decode(String.self, at: 1)))
        }
    }

    /// Computes a segment's members now and keeps them; returns who entered and who left
    /// (as segment changes: entering is `to`, leaving is `from`). One statement.
    func refresh(_ name: String, rule: SegmentRule, currency: Currency, now: Date, in tx: PostgresTransaction) async throws -> [SegmentStore.Change] {
        let s = schema
        var query = PostgresQuery.StringInterpolation(literalCapacity: 2_048, interpolationCount: 16)
        query.appendLiteral(
            """
            WITH purchases AS (
                SELECT o.* FROM \(PostgresQuery.quoteIdentifier(s)).customer_orders o
                WHERE o.status NOT IN ('cancelled', 'split', 'merged') AND o.free_replacement_of IS NULL
            ), stats AS (
                SELECT c.id AS customer, c.tags, c.language,
                       count(p.order_id)::bigint AS orders,
                       coalesce(sum(p.total_minor - p.refunded_minor) FILTER (WHERE p.currency = 
            """)
        query.appendInterpolation(currency.code)
        query.appendLiteral(
            """
            ), 0)::bigint AS spend,
                       max(p.placed_at) AS last_order_at,
                       floor(extract(epoch FROM 
            """)
        query.appendInterpolation(now)
        query.appendLiteral(
            """
            ::timestamptz - max(p.placed_at)) / 86400)::bigint AS last_order_days,
                       coalesce(array_agg(DISTINCT p.platform) FILTER (WHERE p.platform IS NOT NULL), '{}') AS platforms,
                       coalesce((SELECT array_agg(DISTINCT sku) FROM purchases q, unnest(q.skus) AS sku WHERE q.customer = c.id), '{}') AS skus,
                       coalesce((SELECT array_agg(DISTINCT g.category) FROM purchases q CROSS JOIN unnest(q.skus) AS u (sku)
                                 JOIN \(PostgresQuery.quoteIdentifier(s)).sku_facts f ON f.sku = u.sku
                                 JOIN \(PostgresQuery.quoteIdentifier(s)).product_facts g ON g.product = f.product
                                 WHERE q.customer = c.id AND g.category IS NOT NULL), '{}') AS categories,
                       r.r::bigint AS r, r.f::bigint AS f, r.m::bigint AS m, r.segment AS rfm_segment
                FROM \(PostgresQuery.quoteIdentifier(s)).customers c
                LEFT JOIN purchases p ON p.customer = c.id
                LEFT JOIN \(PostgresQuery.quoteIdentifier(s)).customer_rfm r ON r.customer = c.id
                WHERE c.merged_into IS NULL AND c.forgotten_at IS NULL
                GROUP BY c.id, r.r, r.f, r.m, r.segment
            ), matched AS (
                SELECT s.customer FROM stats s WHERE coalesce(
            """)
        rule.sql(into: &query)
        query.appendLiteral(
            ", false)\n), old AS (\n    SELECT customer FROM \(PostgresQuery.quoteIdentifier(s)).rule_segment_members WHERE segment = ")
        query.appendInterpolation(name)
        query.appendLiteral(
            "\n), added AS (\n    INSERT INTO \(PostgresQuery.quoteIdentifier(s)).rule_segment_members (segment, customer, since)\n    SELECT ")
        query.appendInterpolation(name)
        query.appendLiteral(", m.customer, ")
        query.appendInterpolation(now)
        query.appendLiteral(
            "::timestamptz FROM matched m WHERE NOT EXISTS (SELECT 1 FROM old o WHERE o.customer = m.customer)\n    RETURNING customer\n), removed AS (\n    DELETE FROM \(PostgresQuery.quoteIdentifier(s)).rule_segment_members x WHERE x.segment = "
        )
        query.appendInterpolation(name)
        query.appendLiteral(
            " AND NOT EXISTS (SELECT 1 FROM matched m WHERE m.customer = x.customer)\n    RETURNING customer\n), stamped AS (\n    UPDATE \(PostgresQuery.quoteIdentifier(s)).rule_segments SET refreshed_at = "
        )
        query.appendInterpolation(now)
        query.appendLiteral("::timestamptz WHERE name = ")
        query.appendInterpolation(name)
        query.appendLiteral("\n)\nSELECT customer, true AS entered FROM added UNION ALL SELECT customer, false FROM removed ORDER BY 1")
        return try await tx.query(PostgresQuery(stringInterpolation: query)).map {
            let entered = try $0.decode(Bool.self, at: 1)
            return SegmentStore.Change(customer: try $0.decode(Int64.self, at: 0), from: entered ? nil : name, to: entered ? name : nil, kind: "rule")
        }
    }

    public struct Segment: Sendable, Codable, Equatable {
        public var name: String
        public var members: Int
        public var rule: String
        public var definedBy: String
        public var refreshedAt: Date?
    }

    public func segments(_ pool: PostgresPool) async throws -> [Segment] {
        try await pool.query(
            """
            SELECT g.name, (SELECT count(*)::int FROM \(identifier: schema).rule_segment_members m WHERE m.segment = g.name), g.rule::text,
                   g.defined_by, g.refreshed_at
            FROM \(identifier: schema).rule_segments g ORDER BY g.name
            """
        ).map {
            Segment(
                name: try $0.decode(String.self, at: 0), members: try $0.decode(Int.self, at: 1), rule: try $0.decode(String.self, at: 2),
                definedBy: try $0.decode(String.self, at: 3), refreshedAt: try $0.decode(Date?.self, at: 4))
        }
    }

    public struct Member: Sendable, Codable, Equatable {
        public var customer: Int64
        public var name: String?
        public var email: String?
        public var phone: String?
        public var language: String?
        public var since: Date
    }

    /// A segment's members with what a marketing tool needs to reach them; nil: no such segment.
    public func members(_ segment: String, _ pool: PostgresPool) async throws -> [Member]? {
        guard try await pool.query("SELECT 1 FROM \(identifier: schema).rule_segments WHERE name = \(segment)").first != nil else { return nil }
        return try await pool.query(
            """
            SELECT m.customer, \(unescaped: NotificationStore.contact(schema: schema, of: "m.customer")), c.language, m.since
            FROM \(identifier: schema).rule_segment_members m JOIN \(identifier: schema).customers c ON c.id = m.customer
            WHERE m.segment = \(segment) ORDER BY m.customer
            """
        ).map {
            Member(
                customer: try $0.decode(Int64.self, at: 0), name: try $0.decode(String?.self, at: 1), email: try $0.decode(String?.self, at: 2),
                phone: try $0.decode(String?.self, at: 3), language: try $0.decode(String?.self, at: 4), since: try $0.decode(Date.self, at: 5))
        }
    }
}
