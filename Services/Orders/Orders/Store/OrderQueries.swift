import Contracts
import Foundation
import Postgres
import ServiceKit

/// Read-only views of orders for `erpctl orders ...` (list, show, export): they can run on
/// the analysts' replica as well as on the primary.
public struct OrderQueries: Sendable {
    public let schema: String
    public init(schema: String = "orders") { self.schema = schema }
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    public struct Filter: Sendable {
        public var status: String?
        public var platform: String?
        public var needsAttention = false
        public var from: Date?
        public var to: Date?
        public var limit = 100
        public init(
            status: String? = nil, platform: String? = nil, needsAttention: Bool = false, from: Date? = nil, to: Date? = nil, limit: Int = 100
        ) {
            (self.status, self.platform, self.needsAttention, self.from, self.to, self.limit) = (status, platform, needsAttention, from, to, limit)
        }
    }

    public func list(_ filter: Filter, _ pool: PostgresPool) async throws -> ReportTable {
        let rows = try await pool.query(
            """
            SELECT id, platform, shop, external_id, status, coalesce(hold_reason, '') AS hold, currency, total_minor,
                   to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS placed_at, coalesce(attention, '') AS attention
            FROM \(identifier: schema).orders
            WHERE (\(filter.status)::text IS NULL OR status = \(filter.status)) AND (\(filter.platform)::text IS NULL OR platform = \(filter.platform))
              AND (NOT \(filter.needsAttention) OR attention IS NOT NULL)
              AND (\(filter.from)::timestamptz IS NULL OR placed_at >= \(filter.from)) AND (\(filter.to)::timestamptz IS NULL OR placed_at < \(filter.to))
            ORDER BY id LIMIT \(filter.limit)
            """)
        return ReportTable(
            columns: ["id", "platform", "shop", "external_id", "status", "hold", "total", "placed_at", "attention"],
            rows: try rows.map { row in
                let currency = try Currency(code: try row.decode(String.self, column: "currency"))
                return [
                    row["id"], row["platform"], row["shop"], row["external_id"], row["status"], row["hold"],
                    Money(minorUnits: try row.decode(Int64.self, column: "total_minor"), currency: currency).description, row["placed_at"],
                    row["attention"],
                ]
            }, numericColumns: ["id"])
    }

    /// One order with its lines and status history.
    public struct Detail: Codable, Sendable {
        public struct History: Codable, Sendable {
            public let at: Date
            public let from: String?
            public let to: String
            public let reason: String
            public let actor: String
        }
        /// The orders this one is linked to: a split's parent and children, a merge's
        /// sources and result, an exchange's original and replacement; and its returns.
        public struct Links: Codable, Sendable {
            public let parent: Int64?
            public let children: [Int64]
            public let mergedInto: Int64?
            public let mergedFrom: [Int64]
            public let exchangeFor: Int64?
            public let replacements: [Int64]
            public let returns: [String]
            public var isEmpty: Bool {
                parent == nil && children.isEmpty && mergedInto == nil && mergedFrom.isEmpty && exchangeFor == nil && replacements.isEmpty
                    && returns.isEmpty
            }
        }
        public let snapshot: OrderSnapshot
        public let holdReason: String?
        public let attention: String?
        public let repeats: Int
        public let history: [History]
        public let links: Links
        /// Its shipments' tracking events, oldest first.
        public let tracking: [Tracking]
        /// Changes of its lines, carried through or refused, oldest first.
        public let amendments: [OrderStore.Amendment]

        public struct Tracking: Codable, Sendable {
            public let at: Date
            public let shipment: String
            public let carrier: String
            public let trackingNumber: String
            public let event: String
            public let location: String?
            public let description: String?
        }
    }

    static func ids(_ row: PostgresRow, _ column: String) throws -> [Int64] {
        (try row.decode(String?.self, column: column) ?? "").split(separator: ",").compactMap { Int64($0) }
    }

    public func find(platform: String, shop: String?, externalID: String, _ pool: PostgresPool) async throws -> [Int64] {
        try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id FROM \(s).orders WHERE platform = $1 AND ($2::text IS NULL OR shop = $2) AND external_id = $3 ORDER BY id
                    """, binds: [platform, shop, externalID])
        ).map { try $0.decode(Int64.self, at: 0) }
    }

    public func detail(_ id: Int64, _ pool: PostgresPool) async throws -> Detail? {
        try await pool.withTransaction(isolation: .repeatableRead) { tx in
            guard
                let row = try await tx.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT hold_reason, attention, repeats, parent_id, merged_into, exchange_for,
                                   (SELECT string_agg(c.id::text, ',' ORDER BY c.id) FROM \(s).orders c WHERE c.parent_id = o.id) AS children,
                                   (SELECT string_agg(c.id::text, ',' ORDER BY c.id) FROM \(s).orders c WHERE c.merged_into = o.id) AS merged_from,
                                   (SELECT string_agg(c.id::text, ',' ORDER BY c.id) FROM \(s).orders c WHERE c.exchange_for = o.id) AS replacements,
                                   (SELECT string_agg(r.rma || ' ' || r.kind || ' ' || r.status, chr(30) ORDER BY r.requested_at)
                                    FROM \(s).returns r WHERE r.order_id = o.id) AS returns
                            FROM \(s).orders o WHERE id = $1
                            """, binds: [id])
                ).first
            else { return nil }
            let history = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT at, from_status, to_status, reason, actor FROM \(s).status_history WHERE order_id = $1 ORDER BY id
                        """, binds: [id])
            ).map {
                Detail.History(
                    at: try $0.decode(Date.self, column: "at"), from: try $0.decode(String?.self, column: "from_status"),
                    to: try $0.decode(String.self, column: "to_status"), reason: try $0.decode(String.self, column: "reason"),
                    actor: try $0.decode(String.self, column: "actor"))
            }
            let tracking = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT occurred_at, shipment, carrier, tracking_number, event, location, description FROM \(s).tracking_events
                        WHERE order_id = $1 ORDER BY occurred_at, id
                        """, binds: [id])
            ).map {
                Detail.Tracking(
                    at: try $0.decode(Date.self, at: 0), shipment: try $0.decode(String.self, at: 1), carrier: try $0.decode(String.self, at: 2),
                    trackingNumber: try $0.decode(String.self, at: 3), event: try $0.decode(String.self, at: 4),
                    location: try $0.decode(String?.self, at: 5), description: try $0.decode(String?.self, at: 6))
            }
            return Detail(
                snapshot: try await OrderStore(schema: schema).snapshot(id, in: tx), holdReason: try row.decode(String?.self, column: "hold_reason"),
                attention: try row.decode(String?.self, column: "attention"), repeats: try row.decode(Int.self, column: "repeats"), history: history,
                links: Detail.Links(
                    parent: try row.decode(Int64?.self, column: "parent_id"), children: try Self.ids(row, "children"),
                    mergedInto: try row.decode(Int64?.self, column: "merged_into"), mergedFrom: try Self.ids(row, "merged_from"),
                    exchangeFor: try row.decode(Int64?.self, column: "exchange_for"), replacements: try Self.ids(row, "replacements"),
                    returns: (try row.decode(String?.self, column: "returns") ?? "").split(separator: "\u{1E}").map(String.init)),
                tracking: tracking, amendments: try await OrderStore(schema: schema).amendments(order: id, in: tx))
        }
    }

    /// The orders a warehouse may ship: allocated (paid and reserved) or shipped in part.
    public func allocated(_ pool: PostgresPool) async throws -> [Int64] {
        try await pool.query(
            """
            SELECT id FROM \(identifier: schema).orders WHERE status IN ('allocated', 'partially_shipped') ORDER BY id
            """
        ).map { try $0.decode(Int64.self, at: 0) }
    }

    /// Orders in the canonical format, for export and re-import, handed to `body` one at a
    /// time in id order and read a page at a time (so an export of every order never holds
    /// them all); `limit` nil means every order the filter selects.
    public func forEachCanonical(
        _ filter: Filter, limit: Int?, _ pool: PostgresPool, _ body: (CanonicalOrder) throws -> Void
    ) async throws {
        var after: Int64 = 0
        var left = limit ?? .max
        while left > 0 {
            let page = min(left, 500)
            let ids = try await pool.query(
                """
                SELECT id FROM \(identifier: schema).orders
                WHERE id > \(after) AND (\(filter.status)::text IS NULL OR status = \(filter.status))
                  AND (\(filter.platform)::text IS NULL OR platform = \(filter.platform))
                  AND (\(filter.from)::timestamptz IS NULL OR placed_at >= \(filter.from)) AND (\(filter.to)::timestamptz IS NULL OR placed_at < \(filter.to))
                ORDER BY id LIMIT \(page)
                """
            ).map { try $0.decode(Int64.self, at: 0) }
            for id in ids { try body(try await canonical(id, pool)) }
            guard let last = ids.last, ids.count == page else { return }
            after = last
            left -= ids.count
        }
    }

    /// One order in the canonical format.
    func canonical(_ id: Int64, _ pool: PostgresPool) async throws -> CanonicalOrder {
        let (snapshot, payment, note) = try await pool.withTransaction(isolation: .repeatableRead) { tx in
            let extra = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT payment::text AS payment, note FROM \(s).orders WHERE id = $1", binds: [id]))[0]
            return (
                try await OrderStore(schema: schema).snapshot(id, in: tx),
                try MessageCoding.decoder().decode(IntakeOrder.Payment.self, from: Data(try extra.decode(String.self, column: "payment").utf8)),
                try extra.decode(String?.self, column: "note")
            )
        }
        return CanonicalOrder(
            platform: snapshot.platform, shop: snapshot.shop, externalId: snapshot.externalId, revision: Int(snapshot.revision),
            placedAt: UTCTimestamp.string(from: snapshot.placedAt), currency: snapshot.currency, pricesIncludeTax: snapshot.pricesIncludeTax,
            customer: snapshot.customer, shippingAddress: snapshot.shippingAddress,
            lines: snapshot.lines.map {
                .init(
                    sku: $0.sku, quantity: $0.quantity, unitPrice: $0.unitPrice.decimalString,
                    discount: $0.discount.isZero ? nil : $0.discount.decimalString)
            },
            shippingFee: snapshot.shippingFee.decimalString, shippingMethod: snapshot.shippingMethod,
            payment: CanonicalOrder.Payment(
                status: payment.status.rawValue, method: payment.method, amount: payment.amount?.decimalString,
                paidAt: payment.paidAt.map { UTCTimestamp.string(from: $0) }, transactionId: payment.transactionID),
            note: note)
    }
}
