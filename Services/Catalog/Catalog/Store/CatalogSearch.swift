import Contracts
import Foundation
import Postgres

/// Finds products: by full text over titles and descriptions in every locale (ranked), within
/// a category and everything under it, with every tag and every attribute value asked for,
/// active ones only if asked; a page at a time. Read-only: it can run on the replica.
public struct CatalogSearch: Sendable {
    public let schema: String
    public init(schema: String = "catalog") { self.schema = schema }

    public struct Query: Sendable, Equatable {
        public var text: String?
        public var category: String?
        public var tags: [String] = []
        public var attributes: [String: String] = [:]
        public var activeOnly = false
        /// Titles shown in this locale where the product has it (else its own text); with
        /// text, only this locale's documents and the product's own are searched.
        public var locale: String?
        public var limit = 20
        public var offset = 0
        public init(
            text: String? = nil, category: String? = nil, tags: [String] = [], attributes: [String: String] = [:], activeOnly: Bool = false,
            locale: String? = nil, limit: Int = 20, offset: Int = 0
        ) {
            (self.text, self.category, self.tags, self.attributes, self.activeOnly) = (text, category, tags, attributes, activeOnly)
            (self.locale, self.limit, self.offset) = (locale, limit, offset)
        }
    }

    public struct Hit: Codable, Sendable, Equatable {
        public let code: String
        public let title: String
        public let category: String?
        public let tags: [String]
        public let attributes: [String: String]
        public let active: Bool
        /// How well the text matched (none without text).
        public let rank: Double?
    }

    public struct UnknownCategory: Error, Equatable, CustomStringConvertible {
        public let code: String
        public var description: String { "there is no category '\(code)'" }
    }

    public struct Page: Codable, Sendable, Equatable {
        /// How many products match in all.
        public let total: Int
        public let hits: [Hit]
    }

    public func search(_ query: Query, _ pool: PostgresPool) async throws -> Page {
        // A plan for the values at hand each time: how many products a word, tag or attribute
        // matches varies too much for one cached plan to suit every search.
        try await pool.withTransaction { tx in
            try await tx.query("SET LOCAL plan_cache_mode = force_custom_plan")
            return try await search(query, tx)
        }
    }

    func search(_ query: Query, _ tx: PostgresTransaction) async throws -> Page {
        let text = query.text?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        let s = PostgresQuery.quoteIdentifier(schema)
        // Only the conditions asked for are in the statement, so that the planner can use the
        // indexes they have (tags, attributes) and reach matched products by their key.
        var binds: [any PostgresEncodable] = []
        func bind(_ value: any PostgresEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions: [String] = []
        var with: [String] = []
        if let category = query.category {
            // The category's subtree first, as a list the planner can estimate (and the index on category serve).
            let subtree = try await tx.query(
                """
                WITH RECURSIVE subtree AS (
                    SELECT code FROM \(identifier: schema).categories WHERE code = \(category)
                    UNION SELECT c.code FROM \(identifier: schema).categories c JOIN subtree t ON c.parent = t.code
                )
                SELECT code FROM subtree
                """
            ).map { try $0.decode(String.self, at: 0) }
            guard !subtree.isEmpty else { throw UnknownCategory(code: category) }
            conditions.append("p.category = ANY(\(bind(subtree))::text[])")
        }
        if !query.tags.isEmpty { conditions.append("p.tags @> \(bind(query.tags))::text[]") }
        if !query.attributes.isEmpty {
            conditions.append("p.details @> \(bind(String(decoding: try JSONEncoder().encode(query.attributes), as: UTF8.self)))::jsonb")
        }
        if query.activeOnly { conditions.append("p.active") }
        let locale = query.locale.map { bind($0) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        // `found`: the products that match, with their rank (best first) when there is text.
        if let text {
            let words = try await tx.query(PostgresQuery(unsafeSQL: "SELECT \(s).search_query($1)::text", binds: [text]))[0].decode(
                String.self, at: 0)
            guard !words.isEmpty else { return Page(total: 0, hits: []) }
            let q = bind(words)
            let localeCondition = locale.map { " AND ps.locale IN ('', \($0))" } ?? ""
            with.append(
                """
                matched AS MATERIALIZED (
                    SELECT ps.product, max(ts_rank(ps.document, \(q)::tsquery))::float8 AS rank FROM \(s).product_search ps
                    WHERE ps.document @@ \(q)::tsquery\(localeCondition) GROUP BY ps.product
                )
                """)
            with.append(
                conditions.isEmpty
                    ? "found AS (SELECT product, rank FROM matched)"
                    : "found AS (SELECT m.product, m.rank FROM matched m JOIN \(s).products p ON p.code = m.product \(filter))")
        } else {
            with.append("found AS (SELECT p.code AS product, NULL::float8 AS rank FROM \(s).products p \(filter))")
        }
        let title = locale.map { "coalesce((SELECT tr.title FROM \(s).translations tr WHERE tr.product = p.code AND tr.locale = \($0)), p.title)" }
        // The page first, then its products: only a page of rows is joined and read whole. One
        // row comes back even for a page past the end, to carry the total.
        with.append(
            """
            page AS (SELECT product, rank FROM found ORDER BY rank DESC NULLS LAST, product LIMIT \(bind(query.limit)) OFFSET \(bind(query.offset)))
            """)
        let rows = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH \(with.joined(separator: ",\n"))
                    SELECT p.code, \(title ?? "p.title") AS title, p.category, to_json(p.tags)::text AS tags, p.details::text AS details,
                        p.active, page.rank, (SELECT count(*) FROM found)::int AS total
                    FROM (SELECT 1) AS one LEFT JOIN (page JOIN \(s).products p ON p.code = page.product) ON true
                    ORDER BY page.rank DESC NULLS LAST, p.code
                    """, binds: binds))
        let decoder = JSONDecoder()
        let hits = try rows.filter { try $0.decode(String?.self, column: "code") != nil }.map { row in
            Hit(
                code: try row.decode(String.self, column: "code"), title: try row.decode(String.self, column: "title"),
                category: try row.decode(String?.self, column: "category"),
                tags: try decoder.decode([String].self, from: Data(try row.decode(String.self, column: "tags").utf8)),
                attributes: try decoder.decode([String: String].self, from: Data(try row.decode(String.self, column: "details").utf8)),
                active: try row.decode(Bool.self, column: "active"), rank: try row.decode(Double?.self, column: "rank"))
        }
        let total = try rows.first?.decode(Int.self, column: "total") ?? 0
        return Page(total: total, hits: hits)
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
