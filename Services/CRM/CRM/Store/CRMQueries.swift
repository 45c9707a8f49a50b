import Contracts
import Foundation
import Postgres
import ServiceKit

/// What `erpctl crm show` and `crm customers` read from the crm schema.
public struct CRMQueries: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    public struct Profile: Codable, Sendable, Equatable {
        public var customer: Int64
        /// Set when the id asked for was merged into this profile.
        public var askedFor: Int64?
        public var name: String?
        public var createdAt: Date
        public var tags: [String]
        public var keys: [Key]
        public var names: [String]
        public var addresses: [CanonicalOrder.Address]
        public var spend: [Spend]
        public var mergedFrom: [Int64]
        public var timeline: [Entry]

        public struct Key: Codable, Sendable, Equatable {
            public var kind: String
            public var value: String
            public var source: String
        }

        /// Purchase history in one currency (never summed across currencies). Split and
        /// merged orders count through the orders that replaced them; cancelled ones not at all.
        public struct Spend: Codable, Sendable, Equatable {
            public var currency: String
            public var orders: Int
            public var spentMinor: Int64
            public var refundedMinor: Int64
            public var averageOrderMinor: Int64
            public var returnRate: Double
            public var firstOrderAt: Date
            public var lastOrderAt: Date
        }

        public struct Entry: Codable, Sendable, Equatable {
            public var id: Int64
            public var at: Date
            public var kind: String
            public var summary: String
            public var order: Int64?
            public var channel: String?
            public var direction: String?
            public var actor: String?
        }
    }

    /// The profile `customer` is (following merges), with its newest `limit` timeline entries.
    public func profile(_ customer: Int64, limit: Int, _ pool: PostgresPool) async throws -> Profile? {
        try await pool.withTransaction(isolation: .repeatableRead) { tx in
            let s = schema
            var live = customer
            for _ in 0..<64 {
                guard let row = try await tx.query("SELECT merged_into FROM \(identifier: s).customers WHERE id = \(live)").single() else {
                    return nil
                }
                guard let next = try row.decode(Int64?.self, at: 0) else { break }
                live = next
            }
            let head = try await tx.query(
                "SELECT display_name, created_at, to_json(tags) AS tags FROM \(identifier: s).customers WHERE id = \(live)")[0]
            var profile = Profile(
                customer: live, askedFor: live == customer ? nil : customer, name: try head.decode(String?.self, column: "display_name"),
                createdAt: try head.decode(Date.self, column: "created_at"), tags: try head.decodeJSON([String].self, column: "tags"), keys: [],
                names: [], addresses: [], spend: [], mergedFrom: [], timeline: [])
            profile.keys = try await tx.query(
                "SELECT kind, value, source FROM \(identifier: s).customer_keys WHERE customer = \(live) ORDER BY kind, first_seen, value"
            ).map { try Profile.Key(kind: $0.decode(column: "kind"), value: $0.decode(column: "value"), source: $0.decode(column: "source")) }
            profile.names = try await tx.query(
                "SELECT name FROM \(identifier: s).customer_names WHERE customer = \(live) ORDER BY last_seen DESC, name"
            ).map { try $0.decode(String.self, at: 0) }
            profile.addresses = try await tx.query(
                "SELECT address FROM \(identifier: s).customer_addresses WHERE customer = \(live) ORDER BY last_seen DESC, fingerprint"
            ).map { try $0.decodeJSON(CanonicalOrder.Address.self, column: "address") }
            profile.mergedFrom = try await tx.query(
                "SELECT id FROM \(identifier: s).customers WHERE merged_into = \(live) ORDER BY id"
            ).map { try $0.decode(Int64.self, at: 0) }
            profile.spend = try await tx.query(
                """
                SELECT currency, count(*)::int AS orders, sum(total_minor)::bigint AS spent, sum(refunded_minor)::bigint AS refunded,
                       (sum(total_minor) / count(*))::bigint AS average,
                       (count(*) FILTER (WHERE returns > 0))::float8 / count(*) AS return_rate,
                       min(placed_at) AS first_order, max(placed_at) AS last_order
                FROM \(identifier: s).customer_orders
                WHERE customer = \(live) AND status NOT IN ('cancelled', 'split', 'merged')
                GROUP BY currency ORDER BY currency
                """
            ).map { row in
                try Profile.Spend(
                    currency: row.decode(column: "currency"), orders: row.decode(column: "orders"), spentMinor: row.decode(column: "spent"),
                    refundedMinor: row.decode(column: "refunded"), averageOrderMinor: row.decode(column: "average"),
                    returnRate: row.decode(column: "return_rate"), firstOrderAt: row.decode(column: "first_order"),
                    lastOrderAt: row.decode(column: "last_order"))
            }
            profile.timeline = try await tx.query(
                """
                SELECT id, at, kind, summary, order_id, channel, direction, actor FROM \(identifier: s).timeline
                WHERE customer = \(live) ORDER BY at DESC, id DESC LIMIT \(limit)
                """
            ).map { row in
                try Profile.Entry(
                    id: row.decode(column: "id"), at: row.decode(column: "at"), kind: row.decode(column: "kind"),
                    summary: row.decode(column: "summary"), order: row.decode(column: "order_id"), channel: row.decode(column: "channel"),
                    direction: row.decode(column: "direction"), actor: row.decode(column: "actor"))
            }
            return profile
        }
    }

    /// Live profiles whose name, email, phone, platform customer id or order external id
    /// contains `search` (case-insensitively), and that carry `tag`; at most `limit`.
    public func customers(search: String?, tag: String?, limit: Int, _ pool: PostgresPool) async throws -> ReportTable {
        let s = schema
        let pattern = search.map { "%" + Self.escapeLike($0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()) + "%" }
        let rows = try await pool.query(
            """
            SELECT c.id AS customer, c.display_name AS name,
                   (SELECT string_agg(value, ', ' ORDER BY value) FROM \(identifier: s).customer_keys k WHERE k.customer = c.id AND k.kind = 'email') AS emails,
                   (SELECT string_agg(value, ', ' ORDER BY value) FROM \(identifier: s).customer_keys k WHERE k.customer = c.id AND k.kind = 'phone') AS phones,
                   (SELECT count(*) FROM \(identifier: s).customer_orders o WHERE o.customer = c.id) AS orders,
                   (SELECT max(placed_at) FROM \(identifier: s).customer_orders o WHERE o.customer = c.id) AS last_order
            FROM \(identifier: s).customers c
            WHERE c.merged_into IS NULL AND c.forgotten_at IS NULL
              AND (\(tag)::text IS NULL OR \(tag) = ANY (c.tags))
              AND (\(pattern)::text IS NULL
                   OR lower(c.display_name) LIKE \(pattern)
                   OR EXISTS (SELECT 1 FROM \(identifier: s).customer_names n WHERE n.customer = c.id AND lower(n.name) LIKE \(pattern))
                   OR EXISTS (SELECT 1 FROM \(identifier: s).customer_keys k WHERE k.customer = c.id AND lower(k.value) LIKE \(pattern))
                   OR EXISTS (SELECT 1 FROM \(identifier: s).customer_orders o WHERE o.customer = c.id AND lower(o.external_id) LIKE \(pattern)))
            ORDER BY last_order DESC NULLS LAST, c.id
            LIMIT \(limit)
            """)
        return ReportTable(rows, numeric: ["customer", "orders"])
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
