import Contracts
import Foundation
import Postgres

/// RFM scores and segments in the crm schema, inside the caller's transaction.
public struct SegmentStore: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    public struct Change: Sendable, Equatable {
        public let customer: Int64
        public let from: String?
        public let to: String?
        /// nil: an RFM segment; "rule": a rule segment (entering is `to`, leaving is `from`).
        public var kind: String? = nil
    }

    /// Scores every active customer (live, not forgotten, with an order in `currency` that was
    /// not cancelled, split or merged): recency by the last order, frequency by the orders,
    /// monetary by what they spent less refunds; each 1–5 by quintiles (ties share a score),
    /// 5 the best. The segment follows from ``RFM``. Customers no longer active leave their
    /// segment. One statement; returns who changed segment.
    public func refresh(now: Date, currency: Currency, in tx: PostgresTransaction) async throws -> [Change] {
        var cells: (r: [Int], fm: [Int], segment: [String]) = ([], [], [])
        for r in 1...5 {
            for fm in 1...5 {
                cells.r.append(r)
                cells.fm.append(fm)
                cells.segment.append(RFM.segment(recency: r, frequency: fm, monetary: fm).rawValue)
            }
        }
        let s = schema
        return try await tx.query(
            """
            WITH active AS (
                SELECT o.customer, max(o.placed_at) AS last_order, count(*)::int AS orders, sum(o.total_minor - o.refunded_minor)::bigint AS spent
                FROM \(identifier: s).customer_orders o JOIN \(identifier: s).customers c ON c.id = o.customer
                WHERE c.merged_into IS NULL AND c.forgotten_at IS NULL AND o.currency = \(currency.code)
                  AND o.status NOT IN ('cancelled', 'split', 'merged') AND o.free_replacement_of IS NULL
                GROUP BY o.customer
            ), scored AS (
                SELECT customer, last_order, orders, spent,
                       ceil(cume_dist() OVER (ORDER BY last_order) * 5)::int AS r,
                       ceil(cume_dist() OVER (ORDER BY orders) * 5)::int AS f,
                       ceil(cume_dist() OVER (ORDER BY spent) * 5)::int AS m
                FROM active
            ), mapped AS (
                SELECT s.*, map.segment FROM scored s
                JOIN unnest(\(cells.r)::int[], \(cells.fm)::int[], \(cells.segment)::text[]) AS map (r, fm, segment)
                  ON map.r = s.r AND map.fm = (s.f + s.m + 1) / 2
            ), old AS (
                SELECT customer, segment FROM \(identifier: s).customer_rfm
            ), upserted AS (
                INSERT INTO \(identifier: s).customer_rfm (customer, recency_days, frequency, monetary_minor, currency, r, f, m, segment, since, computed_at)
                SELECT customer, greatest(0, floor(extract(epoch FROM \(now)::timestamptz - last_order) / 86400))::int, orders, spent, \(currency.code),
                       r, f, m, segment, \(now)::timestamptz, \(now)::timestamptz
                FROM mapped
                ON CONFLICT (customer) DO UPDATE SET
                    recency_days = excluded.recency_days, frequency = excluded.frequency, monetary_minor = excluded.monetary_minor,
                    currency = excluded.currency, r = excluded.r, f = excluded.f, m = excluded.m, segment = excluded.segment,
                    since = CASE WHEN customer_rfm.segment = excluded.segment THEN customer_rfm.since ELSE excluded.since END,
                    computed_at = excluded.computed_at
            ), removed AS (
                DELETE FROM \(identifier: s).customer_rfm x WHERE NOT EXISTS (SELECT 1 FROM mapped m WHERE m.customer = x.customer)
            )
            SELECT coalesce(m.customer, o.customer) AS customer, o.segment AS was, m.segment AS now
            FROM mapped m FULL JOIN old o ON o.customer = m.customer
            WHERE o.segment IS DISTINCT FROM m.segment
            ORDER BY 1
            """
        ).map {
            Change(
                customer: try $0.decode(Int64.self, column: "customer"), from: try $0.decode(String?.self, column: "was"),
                to: try $0.decode(String?.self, column: "now"))
        }
    }

    /// Members per segment.
    func members(in tx: PostgresTransaction) async throws -> [String: Int] {
        var members: [String: Int] = [:]
        for row in try await tx.query("SELECT segment, count(*)::int FROM \(identifier: schema).customer_rfm GROUP BY segment") {
            members[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return members
    }

    /// Takes the nightly refresh if it is due (one instance at a time) and schedules the next
    /// one for the first 02:00 UTC after `now` (whatever the session's time zone; a refresh taken
    /// late, after midnight, is followed by the one of that same night); false if it is not due
    /// or another instance has it.
    func takeNightly(now: Date, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(
            """
            UPDATE \(identifier: schema).segment_schedule
            SET due_at = (date_trunc('day', \(now)::timestamptz AT TIME ZONE 'UTC') + interval '2 hours'
                          + CASE WHEN (\(now)::timestamptz AT TIME ZONE 'UTC')::time >= '02:00' THEN interval '1 day' ELSE interval '0' END)
                         AT TIME ZONE 'UTC'
            WHERE one AND due_at <= \(now)::timestamptz
              AND one IN (SELECT one FROM \(identifier: schema).segment_schedule FOR UPDATE SKIP LOCKED)
            RETURNING one
            """
        ).first != nil
    }
}
