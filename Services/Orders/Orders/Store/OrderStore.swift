import Contracts
import Foundation
import Postgres

/// Orders in the orders schema, inside the caller's transaction.
public struct OrderStore: Sendable {
    public let schema: String
    public init(schema: String = "orders") { self.schema = schema }
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    static func json<T: Encodable>(_ value: T?) throws -> String? {
        guard let value else { return nil }
        return String(decoding: try MessageCoding.encoder().encode(value), as: UTF8.self)
    }

    public struct Created: Sendable, Equatable {
        public let id: Int64
        public let status: OrderStatus
        /// SKUs the catalog does not know (the order is on hold until they appear).
        public let unknownSKUs: [String]
    }

    /// Stores a platform order seen for the first time, its lines and its first history
    /// entry, in one statement; an order with unknown SKUs starts on hold. Returns nil if
    /// the order exists (the caller then applies the message as a revision).
    public func createIfNew(_ order: IntakeOrder, actor: String, in tx: PostgresTransaction) async throws -> Created? {
        let status = order.initialStatus
        let lines = order.lines
        let skus = lines.map(\.sku)
        let given = status.rawValue
        let rows = try await tx.query(
            """
            WITH unknown AS (
                SELECT array_to_string(array_agg(DISTINCT l.sku ORDER BY l.sku), chr(31)) AS skus
                FROM unnest(\(skus)::text[]) AS l (sku)
                WHERE NOT EXISTS (SELECT 1 FROM \(identifier: schema).skus k WHERE k.code = l.sku AND k.active)
            ), created AS (
                INSERT INTO \(identifier: schema).orders (platform, shop, external_id, revision, status, hold_reason, held_from, currency,
                    prices_include_tax, customer, shipping_address, shipping_method, shipping_fee_minor, merchandise_minor, discount_minor,
                    total_minor, payment, note, placed_at)
                SELECT \(order.platform), \(order.shop), \(order.externalID), \(order.revision),
                    CASE WHEN u.skus IS NULL OR \(given) = 'cancelled' THEN \(given) ELSE 'on_hold' END,
                    CASE WHEN u.skus IS NULL OR \(given) = 'cancelled' THEN NULL ELSE 'unknown_sku' END,
                    CASE WHEN u.skus IS NULL OR \(given) = 'cancelled' THEN NULL ELSE \(given) END,
                    \(order.currency.code), \(order.pricesIncludeTax), \(try Self.json(order.customer))::jsonb,
                    \(try Self.json(order.shippingAddress))::jsonb, \(order.shippingMethod), \(order.shippingFee.minorUnits),
                    \(order.merchandise.minorUnits), \(order.discountTotal.minorUnits), \(order.total.minorUnits),
                    \(try Self.json(order.payment))::jsonb, \(order.note), \(order.placedAt)
                FROM unknown u
                ON CONFLICT (platform, shop, external_id) DO NOTHING
                RETURNING id, status
            ), lines AS (
                INSERT INTO \(identifier: schema).order_lines (order_id, line, sku, title, quantity, unit_price_minor, discount_minor, total_minor)
                SELECT c.id, l.line, l.sku, l.title, l.quantity, l.unit_price, l.discount, l.quantity * l.unit_price - l.discount
                FROM created c, unnest(\(lines.map(\.number))::int[], \(skus)::text[], \(lines.map(\.title))::text[], \(lines.map(\.quantity))::int[],
                    \(lines.map(\.unitPrice.minorUnits))::bigint[], \(lines.map(\.discount.minorUnits))::bigint[])
                    AS l (line, sku, title, quantity, unit_price, discount)
            ), history AS (
                INSERT INTO \(identifier: schema).status_history (order_id, from_status, to_status, reason, actor)
                SELECT c.id, NULL, c.status,
                    CASE WHEN c.status = 'on_hold' THEN 'received; unknown SKU ' || replace((SELECT skus FROM unknown), chr(31), ', ')
                         ELSE 'received' END, \(actor)
                FROM created c
            )
            SELECT c.id, c.status, (SELECT skus FROM unknown) AS unknown FROM created c
            """)
        guard let row = rows.first else { return nil }
        let unknown = try row.decode(String?.self, column: "unknown").map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
        return Created(
            id: try row.decode(Int64.self, column: "id"), status: try row.decode(OrderStatus.self, column: "status"),
            unknownSKUs: status == .cancelled ? [] : unknown)
    }

    /// What a later revision is compared against, locked for the rest of the transaction.
    public struct Existing: Sendable {
        public let id: Int64
        public let revision: Int64
        public let status: OrderStatus
        public let heldFrom: OrderStatus?
        public let lines: [IntakeOrder.Line]
        public let shippingAddress: CanonicalOrder.Address?
        public let shippingMethod: String?
        public let paymentStatus: IntakeOrder.PaymentStatus
    }

    public func lock(platform: String, shop: String, externalID: String, in tx: PostgresTransaction) async throws -> Existing? {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT id, revision, status, held_from, currency, shipping_address::text AS address, shipping_method, payment->>'status' AS payment
                        FROM \(s).orders WHERE platform = $1 AND shop = $2 AND external_id = $3 FOR UPDATE
                        """, binds: [platform, shop, externalID])
            ).first
        else { return nil }
        let id = try row.decode(Int64.self, column: "id")
        let currency = try Currency(code: try row.decode(String.self, column: "currency"))
        let lines = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT line, sku, title, quantity, unit_price_minor, discount_minor, total_minor FROM \(s).order_lines WHERE order_id = $1 ORDER BY line
                    """, binds: [id])
        ).map { line in
            IntakeOrder.Line(
                number: try line.decode(Int.self, column: "line"), sku: try line.decode(String.self, column: "sku"),
                title: try line.decode(String?.self, column: "title"), quantity: try line.decode(Int.self, column: "quantity"),
                unitPrice: Money(minorUnits: try line.decode(Int64.self, column: "unit_price_minor"), currency: currency),
                discount: Money(minorUnits: try line.decode(Int64.self, column: "discount_minor"), currency: currency),
                total: Money(minorUnits: try line.decode(Int64.self, column: "total_minor"), currency: currency))
        }
        return Existing(
            id: id, revision: try row.decode(Int64.self, column: "revision"),
            status: try row.decode(OrderStatus.self, column: "status"),
            heldFrom: try row.decode(String?.self, column: "held_from").flatMap(OrderStatus.init(rawValue:)), lines: lines,
            shippingAddress: try row.decode(String?.self, column: "address").map {
                try MessageCoding.decoder().decode(CanonicalOrder.Address.self, from: Data($0.utf8))
            },
            shippingMethod: try row.decode(String?.self, column: "shipping_method"),
            paymentStatus: IntakeOrder.PaymentStatus(rawValue: try row.decode(String?.self, column: "payment") ?? "pending") ?? .pending)
    }

    public func countRepeat(_ id: Int64, in tx: PostgresTransaction) async throws {
        try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).orders SET repeats = repeats + 1 WHERE id = $1", binds: [id]))
    }

    /// Replaces the lines, amounts, address, method and payment with a later revision's.
    /// Takes a later revision's contents; with `keepingLines` (new lines wait as an
    /// amendment) the lines stay and the totals follow the new shipping fee.
    public func replaceContents(_ id: Int64, with order: IntakeOrder, keepingLines: Bool = false, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            UPDATE \(identifier: schema).orders SET revision = \(order.revision), customer = \(try Self.json(order.customer))::jsonb,
                shipping_address = \(try Self.json(order.shippingAddress))::jsonb, shipping_method = \(order.shippingMethod),
                shipping_fee_minor = \(order.shippingFee.minorUnits), merchandise_minor = \(order.merchandise.minorUnits),
                discount_minor = \(order.discountTotal.minorUnits), total_minor = \(order.total.minorUnits),
                payment = \(try Self.json(order.payment))::jsonb, note = \(order.note), updated_at = now()
            WHERE id = \(id)
            """)
        if keepingLines {
            _ = try await recomputeTotals(id, in: tx)
            return
        }
        try await tx.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).order_lines WHERE order_id = $1", binds: [id]))
        let lines = order.lines
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).order_lines (order_id, line, sku, title, quantity, unit_price_minor, discount_minor, total_minor)
            SELECT \(id), l.line, l.sku, l.title, l.quantity, l.unit_price, l.discount, l.quantity * l.unit_price - l.discount
            FROM unnest(\(lines.map(\.number))::int[], \(lines.map(\.sku))::text[], \(lines.map(\.title))::text[], \(lines.map(\.quantity))::int[],
                \(lines.map(\.unitPrice.minorUnits))::bigint[], \(lines.map(\.discount.minorUnits))::bigint[])
                AS l (line, sku, title, quantity, unit_price, discount)
            """)
    }

    /// Records only the revision and payment (a message whose contents could not apply).
    public func setRevision(_ id: Int64, _ revision: Int64, in tx: PostgresTransaction) async throws {
        try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).orders SET revision = $2, updated_at = now() WHERE id = $1", binds: [id, revision]))
    }

    public func setPayment(_ id: Int64, _ payment: IntakeOrder.Payment, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).orders SET payment = $2::jsonb, updated_at = now() WHERE id = $1", binds: [id, try Self.json(payment)]))
    }

    public func flag(_ id: Int64, _ reason: String, in tx: PostgresTransaction) async throws {
        try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).orders SET attention = $2, updated_at = now() WHERE id = $1", binds: [id, reason]))
    }

    /// Moves an order to `to` if the state machine allows it, recording who and why.
    @discardableResult
    public func transition(
        _ id: Int64, from: OrderStatus, to: OrderStatus, reason: String, actor: String, holdReason: String? = nil,
        in tx: PostgresTransaction
    ) async throws -> OrderStatus {
        _ = try from.moving(to: to)
        // Queued (callers read `from` from the locked row), with its history row in the same
        // statement. Should the order not be in `from` after all, the status becomes NULL, which
        // its NOT NULL refuses: the statement, history row included, and the transaction fail.
        try await tx.queue(
            PostgresQuery(
                unsafeSQL: """
                    WITH recorded AS (
                        INSERT INTO \(s).status_history (order_id, from_status, to_status, reason, actor) VALUES ($1, $2, $3, $5, $6)
                    )
                    UPDATE \(s).orders SET status = CASE WHEN status = $2 THEN $3 END, hold_reason = $4,
                        held_from = CASE WHEN $3 = 'on_hold' THEN $2 ELSE NULL END, updated_at = now()
                    WHERE id = $1
                    """, binds: [id, from.rawValue, to.rawValue, to == .onHold ? (holdReason ?? reason) : nil, reason, actor]))
        return to
    }

    public func snapshot(_ id: Int64, in tx: PostgresTransaction) async throws -> OrderSnapshot {
        let row = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT platform, shop, external_id, revision, status, currency, prices_include_tax, shipping_fee_minor, total_minor,
                           payment->>'status' AS payment_status, customer::text AS customer, shipping_address::text AS address, shipping_method, placed_at
                    FROM \(s).orders WHERE id = $1
                    """, binds: [id]))[0]
        let currency = try Currency(code: try row.decode(String.self, column: "currency"))
        let lines = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT line, sku, quantity, unit_price_minor, discount_minor, total_minor FROM \(s).order_lines WHERE order_id = $1 ORDER BY line
                    """, binds: [id])
        ).map { line in
            OrderSnapshot.Line(
                line: try line.decode(Int.self, column: "line"), sku: try line.decode(String.self, column: "sku"),
                quantity: try line.decode(Int.self, column: "quantity"),
                unitPrice: Money(minorUnits: try line.decode(Int64.self, column: "unit_price_minor"), currency: currency),
                discount: Money(minorUnits: try line.decode(Int64.self, column: "discount_minor"), currency: currency),
                total: Money(minorUnits: try line.decode(Int64.self, column: "total_minor"), currency: currency))
        }
        let decoder = MessageCoding.decoder()
        return OrderSnapshot(
            order: id, platform: try row.decode(String.self, column: "platform"), shop: try row.decode(String.self, column: "shop"),
            externalId: try row.decode(String.self, column: "external_id"), revision: try row.decode(Int64.self, column: "revision"),
            status: try row.decode(OrderStatus.self, column: "status"), currency: currency.code,
            pricesIncludeTax: try row.decode(Bool.self, column: "prices_include_tax"), lines: lines,
            shippingFee: Money(minorUnits: try row.decode(Int64.self, column: "shipping_fee_minor"), currency: currency),
            total: Money(minorUnits: try row.decode(Int64.self, column: "total_minor"), currency: currency),
            paymentStatus: try Self.paymentStatus(try row.decode(String?.self, column: "payment_status")),
            customer: try row.decode(String?.self, column: "customer").map { try decoder.decode(CanonicalOrder.Customer.self, from: Data($0.utf8)) },
            shippingAddress: try row.decode(String?.self, column: "address").map {
                try decoder.decode(CanonicalOrder.Address.self, from: Data($0.utf8))
            },
            shippingMethod: try row.decode(String?.self, column: "shipping_method"), placedAt: try row.decode(Date.self, column: "placed_at"))
    }

    // MARK: - SKUs copied from the catalog

    public func upsertSKU(_ sku: CatalogEvent.SKUChanged, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).skus (code, product, title, price_minor, currency, tax_category, active, returnable)
            VALUES (\(sku.code), \(sku.product), \(sku.title), \(sku.price?.minorUnits), \(sku.price?.currency.code), \(sku.taxCategory),
                \(sku.active), \(sku.returnable ?? true))
            ON CONFLICT (code) DO UPDATE SET product = EXCLUDED.product, title = EXCLUDED.title, price_minor = EXCLUDED.price_minor,
                currency = EXCLUDED.currency, tax_category = EXCLUDED.tax_category, active = EXCLUDED.active, returnable = EXCLUDED.returnable,
                updated_at = now()
            """)
    }

    /// Orders on hold for unknown SKUs whose SKUs are all known now (and that have `sku`), locked.
    public func releasableHolds(sku: String, in tx: PostgresTransaction) async throws -> [(id: Int64, heldFrom: OrderStatus)] {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT o.id, o.held_from FROM \(s).orders o
                    WHERE o.status = 'on_hold' AND o.hold_reason = 'unknown_sku'
                      AND EXISTS (SELECT 1 FROM \(s).order_lines l WHERE l.order_id = o.id AND l.sku = $1)
                      AND NOT EXISTS (SELECT 1 FROM \(s).order_lines l WHERE l.order_id = o.id
                                      AND NOT EXISTS (SELECT 1 FROM \(s).skus k WHERE k.code = l.sku AND k.active))
                    ORDER BY o.id FOR UPDATE OF o
                    """, binds: [sku])
        ).map {
            (try $0.decode(Int64.self, column: "id"), OrderStatus(rawValue: try $0.decode(String.self, column: "held_from")) ?? .pendingPayment)
        }
    }
}
