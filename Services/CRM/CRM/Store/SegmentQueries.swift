import Contracts
import Foundation
import Postgres

/// What `erpctl crm segments` reads (from the primary or a replica).
public struct SegmentQueries: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    public struct Segment: Codable, Sendable, Equatable {
        public var segment: String
        public var members: Int
        public var averageRecencyDays: Int?
        public var averageOrders: Double?
        /// Mean spend in minor units of `currency`.
        public var averageSpentMinor: Int64?
        public var currency: String?
        public var scoredAt: Date?
    }

    /// Every segment of the RFM map with its members (none: zero), the largest first.
    public func segments(_ pool: PostgresPool) async throws -> [Segment] {
        var found: [String: Segment] = [:]
        for row in try await pool.query(
            """
            SELECT segment, count(*)::int AS members, round(avg(recency_days))::int AS recency, round(avg(frequency), 1)::float8 AS orders,
                   (sum(monetary_minor) / count(*))::bigint AS spent, min(currency) AS currency, max(computed_at) AS scored
            FROM \(identifier: schema).customer_rfm GROUP BY segment
            """)
        {
            let name = try row.decode(String.self, column: "segment")
            found[name] = Segment(
                segment: name, members: try row.decode(Int.self, column: "members"), averageRecencyDays: try row.decode(Int?.self, column: "recency"),
                averageOrders: try row.decode(Double?.self, column: "orders"), averageSpentMinor: try row.decode(Int64?.self, column: "spent"),
                currency: try row.decode(String?.self, column: "currency"), scoredAt: try row.decode(Date?.self, column: "scored"))
        }
        let all = RFMSegment.allCases.map {
            found[$0.rawValue]
                ?? Segment(
                    segment: $0.rawValue, members: 0, averageRecencyDays: nil, averageOrders: nil, averageSpentMinor: nil, currency: nil,
                    scoredAt: nil)
        }
        return all.sorted { ($0.members, $1.segment) > ($1.members, $0.segment) }
    }
}
