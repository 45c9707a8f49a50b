import Contracts
import Foundation
import Postgres

/// Orders made from other orders (a split's children, a merge's result) and the links
/// between them, inside the caller's transaction.
extension OrderStore {
    /// What an order was before it was split or merged away, to restore it exactly.
    public struct Before: Codable, Sendable, Equatable {
        public var status: OrderStatus
        public var holdReason: String?
        public var heldFrom: OrderStatus?
    }

    public func before(_ id: Int64, in tx: PostgresTransaction) async throws -> Before {
        let row = try await tx.query(PostgresQuery(unsafeSQL: "SELECT status, hold_reason, held_from FROM \(s).orders WHERE id = $1", binds: [id]))[0]
        return Before(
            status: try row.decode(OrderStatus.self, column: "status"), holdReason: try row.decode(String?.self, column: "hold_reason"),
            heldFrom: try row.decode(String?.self, column: "held_from").flatMap(OrderStatus.init(rawValue:)))
    }

    /// Moves the order into `split` or `merged` (the state machine allows it: the caller
    /// checked), keeping what it was in `before_link`.
    public func link(_ id: Int64, as status: OrderStatus, mergedInto: Int64? = nil, reason: String, actor: String, in tx: PostgresTransaction)
        async throws
    {
        let before = try await before(id, in: tx)
        try await transition(id, from: before.status, to: status, reason: reason, actor: actor, in: tx)
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).orders SET before_link = $2::jsonb, merged_into = $3 WHERE id = $1",
                binds: [id, try Self.json(before), mergedInto]))
    }

    /// Gives a split or merged order its state from before back (the split or merge was
    /// undone); the history says so. Returns the restored status.
    public func unlink(_ id: Int64, reason: String, actor: String, in tx: PostgresTransaction) async throws -> OrderStatus {
        let row = try await tx.query(
            PostgresQuery(unsafeSQL: "SELECT status, before_link::text AS before FROM \(s).orders WHERE id = $1", binds: [id]))[0]
        let from = try row.decode(String.self, column: "status")
        guard let text = try row.decode(String?.self, column: "before") else { throw LinkError("order \(id) was not split or merged") }
        let before = try MessageCoding.decoder().decode(Before.self, from: Data(text.utf8))
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(s).orders SET status = $2, hold_reason = $3, held_from = $4, before_link = NULL, merged_into = NULL, updated_at = now()
                    WHERE id = $1
                    """, binds: [id, before.status.rawValue, before.holdReason, before.heldFrom?.rawValue]))
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).status_history (order_id, from_status, to_status, reason, actor)
            VALUES (\(id), \(from), \(before.status.rawValue), \(reason), \(actor))
            """)
        return before.status
    }

    public struct LinkError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Creates an order from another (a split's child): the parent's customer, address,
    /// payment and platform, these lines and shipping fee, and an external id of the
    /// parent's with `-S<n>`. Returns its id.
    public func createChild(
        of parent: Int64, status: OrderStatus, lines: [OrderSnapshot.Line], shippingFee: Money, reason: String, actor: String,
        in tx: PostgresTransaction
    ) async throws -> Int64 {
        try await create(
            from: parent, externalID: .splitChild, parent: parent,
            status: status, lines: lines, origins: lines.map { (parent, $0.line) }, shippingFee: shippingFee, reason: reason, actor: actor, in: tx)
    }

    /// Creates the order that orders merge into: the first source's customer, address,
    /// payment and platform, these lines and shipping fee, and an external id of the first
    /// source's with `-M<its id>`. Returns its id.
    public func createMerged(
        from sources: [Int64], status: OrderStatus, lines: [OrderSnapshot.Line], origins: [OrderCommand.LineOrigin], shippingFee: Money,
        reason: String, actor: String, in tx: PostgresTransaction
    ) async throws -> Int64 {
        let id = try await create(
            from: sources[0], externalID: .merged, parent: nil, status: status, lines: lines,
            origins: origins.map { ($0.fromOrder, $0.fromLine) }, shippingFee: shippingFee, reason: reason, actor: actor, in: tx)
        if status != .paid {
            // Not every source was paid: the merged order waits for the rest (finance knows what was carried over).
            try await tx.query(
                PostgresQuery(unsafeSQL: "UPDATE \(s).orders SET payment = '{\"status\": \"pending\"}'::jsonb WHERE id = $1", binds: [id]))
        }
        return id
    }

    /// Creates an exchange's replacement order: the original's customer, address and
    /// platform, these lines, no shipping fee, waiting for payment, linked to the original
    /// and the return; an external id of the original's with `-X<its id>`. Returns its id.
    /// A replacement order of `original`: `free` ones (a repair's, a re-send's) are paid
    /// from the start (there is nothing to pay), the others wait for payment.
    public func createReplacement(
        for original: Int64, rma: String, lines: [OrderSnapshot.Line], free: Bool = false, reason: String, actor: String,
        in tx: PostgresTransaction
    ) async throws -> Int64 {
        let id = try await create(
            from: original, externalID: .replacement, parent: nil, status: free ? .paid : .pendingPayment, lines: lines,
            origins: [], shippingFee: Money(minorUnits: 0, currency: lines[0].total.currency), reason: reason,
            actor: actor, in: tx)
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(s).orders SET payment = $4::jsonb, exchange_for = $2, exchange_rma = $3 WHERE id = $1
                    """, binds: [id, original, rma, free ? #"{"status": "paid", "method": "free replacement"}"# : #"{"status": "pending"}"#]))
        return id
    }

    public func replacement(rma: String, in tx: PostgresTransaction) async throws -> Int64? {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT id FROM \(s).orders WHERE exchange_rma = $1", binds: [rma])).first?.decode(
            Int64.self, at: 0)
    }

    /// Catalog prices of SKUs (active ones only), in minor units and their currency.
    public func prices(_ skus: [String], in tx: PostgresTransaction) async throws -> [String: Money] {
        var prices: [String: Money] = [:]
        for row in try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT code, price_minor, currency FROM \(s).skus WHERE code = ANY($1::text[]) AND active AND price_minor IS NOT NULL
                    """, binds: [skus]))
        {
            prices[try row.decode(String.self, at: 0)] = Money(
                minorUnits: try row.decode(Int64.self, at: 1), currency: try Currency(code: try row.decode(String.self, at: 2)))
        }
        return prices
    }

    /// How a new order's external id is made from its template's: the fixed SQL fragments
    /// over the template `p` and the new id `n.id` (never a value).
    enum ExternalID {
        /// `<parent>-S<n>`: the parent's n-th child.
        case splitChild
        /// `<first source>-M<id>`.
        case merged
        /// `<original>-X<id>`: an exchange's replacement.
        case replacement

        func sql(schema s: String) -> String {
            switch self {
            case .splitChild: return "p.external_id || '-S' || (SELECT count(*) + 1 FROM \(s).orders c WHERE c.parent_id = p.id)"
            case .merged: return "p.external_id || '-M' || n.id"
            case .replacement: return "p.external_id || '-X' || n.id"
            }
        }
    }

    /// A line's title is its origin's (the line it came from), else its SKU's in the catalog
    /// copy (`origins` may be empty: a replacement's lines come from no order line).
    private func create(
        from template: Int64, externalID: ExternalID, parent: Int64?, status: OrderStatus, lines: [OrderSnapshot.Line], origins: [(Int64, Int)],
        shippingFee: Money, reason: String, actor: String, in tx: PostgresTransaction
    ) async throws -> Int64 {
        let merchandise = lines.reduce(Int64(0)) { $0 + $1.total.minorUnits }
        let discount = lines.reduce(Int64(0)) { $0 + $1.discount.minorUnits }
        let table = "\(s).orders"
        let id = try await tx.query(
            """
            INSERT INTO \(unescaped: table) (id, platform, shop, external_id, revision, status, currency, prices_include_tax, customer,
                shipping_address, shipping_method, shipping_fee_minor, merchandise_minor, discount_minor, total_minor, payment, note, placed_at,
                parent_id)
            SELECT n.id, p.platform, p.shop, \(unescaped: externalID.sql(schema: s)), p.revision, \(status.rawValue), p.currency,
                p.prices_include_tax, p.customer, p.shipping_address, p.shipping_method, \(shippingFee.minorUnits)::bigint, \(merchandise)::bigint,
                \(discount)::bigint, \(shippingFee.minorUnits)::bigint + \(merchandise)::bigint, p.payment, p.note, p.placed_at, \(parent)::bigint
            FROM \(unescaped: table) p, (SELECT nextval(pg_get_serial_sequence(\(table), 'id')) AS id) n WHERE p.id = \(template)
            RETURNING id
            """)[0].decode(Int64.self, at: 0)
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).order_lines (order_id, line, sku, title, quantity, unit_price_minor, discount_minor, total_minor)
            SELECT \(id), l.line, l.sku, coalesce(p.title, k.title), l.quantity, l.unit_price, l.discount, l.quantity * l.unit_price - l.discount
            FROM unnest(\(lines.map(\.line))::int[], \(lines.map(\.sku))::text[], \(lines.map(\.quantity))::int[],
                \(lines.map(\.unitPrice.minorUnits))::bigint[], \(lines.map(\.discount.minorUnits))::bigint[], \(origins.map(\.0))::bigint[],
                \(origins.map(\.1))::int[])
                AS l (line, sku, quantity, unit_price, discount, from_order, from_line)
            LEFT JOIN \(identifier: schema).order_lines p ON p.order_id = l.from_order AND p.line = l.from_line
            LEFT JOIN \(identifier: schema).skus k ON k.code = l.sku
            """)
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(s).status_history (order_id, from_status, to_status, reason, actor) VALUES ($1, NULL, $2, $3, $4)
                    """, binds: [id, status.rawValue, reason, actor]))
        return id
    }

    /// The orders merged into `order`, locked.
    public func sources(of order: Int64, in tx: PostgresTransaction) async throws -> [Int64] {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT id FROM \(s).orders WHERE merged_into = $1 ORDER BY id FOR UPDATE", binds: [order]))
            .map { try $0.decode(Int64.self, at: 0) }
    }

    /// The children of a split order that are not cancelled, with their states.
    public func children(of parent: Int64, in tx: PostgresTransaction) async throws -> [(id: Int64, status: OrderStatus)] {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, status FROM \(s).orders WHERE parent_id = $1 AND status <> 'cancelled' ORDER BY id FOR UPDATE
                    """, binds: [parent])
        ).map { (try $0.decode(Int64.self, at: 0), try $0.decode(OrderStatus.self, at: 1)) }
    }

    public func hasShipments(_ id: Int64, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).shipments WHERE order_id = $1 LIMIT 1", binds: [id])).first != nil
    }
}
