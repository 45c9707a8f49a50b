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
        /// The language a platform gives (a BCP 47 tag).
        public var language: String?
        public var keys: [Key]
        public var names: [String]
        public var addresses: [CanonicalOrder.Address]
        public var spend: [Spend]
        public var mergedFrom: [Int64]
        /// Per channel, the latest statement (no entry: never asked, so no marketing).
        public var consents: [Consent]
        public var forgottenAt: Date?
        public var timeline: [Entry]

        public struct Consent: Codable, Sendable, Equatable {
            public var channel: String
            public var optedIn: Bool
            public var at: Date
            public var source: String
            public var actor: String

            init(row: PostgresRow) throws {
                (channel, optedIn, at) = (try row.decode(column: "channel"), try row.decode(column: "opted_in"), try row.decode(column: "at"))
                (source, actor) = (try row.decode(column: "source"), try row.decode(column: "actor"))
            }
        }

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
            guard let live = try await CRMStore(schema: s).live(customer, in: tx) else { return nil }
            let head = try await tx.query(
                "SELECT display_name, created_at, to_json(tags) AS tags, language, forgotten_at FROM \(identifier: s).customers WHERE id = \(live)")[
                    0]
            var profile = Profile(
                customer: live, askedFor: live == customer ? nil : customer, name: try head.decode(String?.self, column: "display_name"),
                createdAt: try head.decode(Date.self, column: "created_at"), tags: try head.decodeJSON([String].self, column: "tags"),
                language: try head.decode(String?.self, column: "language"), keys: [],
                names: [], addresses: [], spend: [], mergedFrom: [], consents: [], forgottenAt: try head.decode(Date?.self, column: "forgotten_at"),
                timeline: [])
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
            profile.consents = try await tx.query(
                """
                SELECT DISTINCT ON (channel) channel, opted_in, at, source, actor FROM \(identifier: s).consent_changes
                WHERE customer = \(live) ORDER BY channel, at DESC, id DESC
                """
            ).map(Profile.Consent.init(row:))
            profile.spend = try await tx.query(
                """
                SELECT currency, count(*)::int AS orders, sum(total_minor)::bigint AS spent, sum(refunded_minor)::bigint AS refunded,
                       (sum(total_minor) / count(*))::bigint AS average,
                       (count(*) FILTER (WHERE returns > 0))::float8 / count(*) AS return_rate,
                       min(placed_at) AS first_order, max(placed_at) AS last_order
                FROM \(identifier: s).customer_orders
                WHERE customer = \(live) AND status NOT IN ('cancelled', 'split', 'merged') AND free_replacement_of IS NULL
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

    /// Everything held about a person (data-subject access): the profile with its whole
    /// timeline, the history of consent statements, their orders as the CRM copied them,
    /// the merges that made the profile, and any request to forget them.
    public struct Export: Codable, Sendable, Equatable {
        public var exportedAt: Date
        public var profile: Profile
        public var consentHistory: [Profile.Consent]
        public var orders: [Order]
        public var merges: [Merge]
        public var forgetRequests: [ForgetRequest]
        public var tickets: [TicketQueries.Detail]
        public var surveys: [Survey]

        public struct Survey: Codable, Sendable, Equatable {
            public var order: Int64
            public var status: String
            public var invitedAt: Date?
            public var answeredAt: Date?
            public var csat: Int?
            public var nps: Int?
            public var comment: String?
        }

        public struct Order: Codable, Sendable, Equatable {
            public var order: Int64
            public var platform: String
            public var shop: String
            public var externalId: String
            public var currency: String
            public var totalMinor: Int64
            public var refundedMinor: Int64
            public var returns: Int
            public var status: String
            public var placedAt: Date
        }

        public struct Merge: Codable, Sendable, Equatable {
            public var absorbed: Int64
            public var survivor: Int64
            public var reason: String
            public var actor: String
            public var at: Date
        }

        public struct ForgetRequest: Codable, Sendable, Equatable {
            public var reason: String
            public var actor: String
            public var at: Date
        }
    }

    public func export(_ customer: Int64, _ pool: PostgresPool) async throws -> Export? {
        guard let profile = try await profile(customer, limit: 1_000_000, pool) else { return nil }
        let s = schema
        let live = profile.customer
        let (export, ticketIDs) = try await pool.withTransaction(isolation: .repeatableRead) { tx in
            let consents = try await tx.query(
                "SELECT channel, opted_in, at, source, actor FROM \(identifier: s).consent_changes WHERE customer = \(live) ORDER BY at, id"
            ).map(Profile.Consent.init(row:))
            let orders = try await tx.query(
                """
                SELECT order_id, platform, shop, external_id, currency, total_minor, refunded_minor, returns, status, placed_at
                FROM \(identifier: s).customer_orders WHERE customer = \(live) ORDER BY placed_at, order_id
                """
            ).map { row in
                try Export.Order(
                    order: row.decode(column: "order_id"), platform: row.decode(column: "platform"), shop: row.decode(column: "shop"),
                    externalId: row.decode(column: "external_id"), currency: row.decode(column: "currency"),
                    totalMinor: row.decode(column: "total_minor"), refundedMinor: row.decode(column: "refunded_minor"),
                    returns: row.decode(column: "returns"), status: row.decode(column: "status"), placedAt: row.decode(column: "placed_at"))
            }
            let merges = try await tx.query(
                "SELECT absorbed, survivor, reason, actor, at FROM \(identifier: s).merges WHERE survivor = \(live) OR absorbed = \(live) ORDER BY at, id"
            ).map { row in
                try Export.Merge(
                    absorbed: row.decode(column: "absorbed"), survivor: row.decode(column: "survivor"), reason: row.decode(column: "reason"),
                    actor: row.decode(column: "actor"), at: row.decode(column: "at"))
            }
            let requests = try await tx.query(
                "SELECT reason, actor, at FROM \(identifier: s).forget_requests WHERE customer = \(live) ORDER BY at, id"
            ).map { row in
                try Export.ForgetRequest(reason: row.decode(column: "reason"), actor: row.decode(column: "actor"), at: row.decode(column: "at"))
            }
            let surveys = try await tx.query(
                """
                SELECT order_id, status, invited_at, answered_at, csat, nps, comment FROM \(identifier: s).surveys
                WHERE customer = \(live) ORDER BY order_id
                """
            ).map { row in
                try Export.Survey(
                    order: row.decode(column: "order_id"), status: row.decode(column: "status"), invitedAt: row.decode(column: "invited_at"),
                    answeredAt: row.decode(column: "answered_at"), csat: row.decode(column: "csat"), nps: row.decode(column: "nps"),
                    comment: row.decode(column: "comment"))
            }
            let ticketIDs = try await tx.query("SELECT id FROM \(identifier: s).tickets WHERE customer = \(live) ORDER BY id").map {
                try $0.decode(Int64.self, at: 0)
            }
            return (
                Export(
                    exportedAt: Date(), profile: profile, consentHistory: consents, orders: orders, merges: merges, forgetRequests: requests,
                    tickets: [], surveys: surveys), ticketIDs
            )
        }
        var document = export
        for id in ticketIDs {
            if let detail = try await TicketQueries(schema: s).detail(id, pool) { document.tickets.append(detail) }
        }
        return document
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
                   (SELECT count(*) FROM \(identifier: s).customer_orders o WHERE o.customer = c.id AND o.free_replacement_of IS NULL) AS orders,
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
