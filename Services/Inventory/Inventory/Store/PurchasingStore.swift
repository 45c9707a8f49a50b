import Contracts
import Postgres

/// Suppliers, their items and purchase orders, in the inventory schema. Every change runs in
/// the consumer's transaction; an order is read `FOR UPDATE` before it changes, so that two
/// commands on one order take turns.
public struct PurchasingStore: Sendable {
    public let schema: String
    public init(schema: String = "inventory") { self.schema = schema }

    public struct Supplier: Sendable, Equatable {
        public let code: String
        public let name: String
        public let email: String?
        public let currency: Currency
        public let paymentTermsDays: Int?
        public let active: Bool
    }

    public struct Item: Sendable, Equatable {
        public let minimumOrder: Int
        public let packSize: Int
        public let lastPrice: Money?
    }

    /// A purchase order as stored; `id` is internal, `number` (`PO-<id>`) is how it is named.
    public struct Order: Sendable {
        public let id: Int64
        public let result: PurchasingResult.Order
        public var status: PurchaseOrderStatus { PurchaseOrderStatus(rawValue: result.status) ?? .cancelled }
        public var received: Int { result.lines.reduce(0) { $0 + $1.received } }
    }

    // MARK: - Suppliers

    /// Adds a supplier; false if one has this code.
    public func addSupplier(_ command: PurchasingCommand.AddSupplier, in tx: PostgresTransaction) async throws -> Bool {
        try await !tx.query(
            """
            INSERT INTO \(identifier: schema).suppliers (code, name, contact, email, currency, payment_terms_days)
            VALUES (\(command.code), \(command.name), \(command.contact), \(command.email), \(command.currency.code), \(command.paymentTermsDays))
            ON CONFLICT (code) DO NOTHING RETURNING code
            """
        ).isEmpty
    }

    /// Changes what the command gives; false if there is no such supplier.
    public func updateSupplier(_ command: PurchasingCommand.UpdateSupplier, in tx: PostgresTransaction) async throws -> Bool {
        try await !tx.query(
            """
            UPDATE \(identifier: schema).suppliers SET
                name = coalesce(\(command.name), name), contact = coalesce(\(command.contact), contact),
                email = coalesce(\(command.email), email), currency = coalesce(\(command.currency?.code), currency),
                payment_terms_days = coalesce(\(command.paymentTermsDays)::int, payment_terms_days),
                active = coalesce(\(command.active)::boolean, active)
            WHERE code = \(command.code) RETURNING code
            """
        ).isEmpty
    }

    public func supplier(_ code: String, in tx: PostgresTransaction) async throws -> Supplier? {
        guard
            let row = try await tx.query(
                "SELECT code, name, email, currency, payment_terms_days, active FROM \(identifier: schema).suppliers WHERE code = \(code)"
            ).first
        else { return nil }
        return Supplier(
            code: try row.decode(String.self, column: "code"), name: try row.decode(String.self, column: "name"),
            email: try row.decode(String?.self, column: "email"), currency: try Currency(code: try row.decode(String.self, column: "currency")),
            paymentTermsDays: try row.decode(Int?.self, column: "payment_terms_days"), active: try row.decode(Bool.self, column: "active"))
    }

    /// Sets what a supplier sells of a SKU; a preferred one takes the place of the SKU's
    /// preferred supplier so far.
    public func setItem(_ command: PurchasingCommand.SetSupplierItem, in tx: PostgresTransaction) async throws {
        if command.preferred {
            try await tx.query(
                """
                UPDATE \(identifier: schema).supplier_items SET preferred = false
                WHERE sku = \(command.sku) AND preferred AND supplier <> \(command.supplier)
                """)
        }
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).supplier_items
                (supplier, sku, lead_time_days, minimum_order, pack_size, last_price_minor, preferred)
            VALUES (\(command.supplier), \(command.sku), \(command.leadTimeDays), \(command.minimumOrder), \(command.packSize),
                \(command.price?.minorUnits)::bigint, \(command.preferred))
            ON CONFLICT (supplier, sku) DO UPDATE SET lead_time_days = EXCLUDED.lead_time_days,
                minimum_order = EXCLUDED.minimum_order, pack_size = EXCLUDED.pack_size,
                last_price_minor = coalesce(EXCLUDED.last_price_minor, supplier_items.last_price_minor), preferred = EXCLUDED.preferred
            """)
    }

    public func item(supplier: Supplier, sku: String, in tx: PostgresTransaction) async throws -> Item? {
        guard
            let row = try await tx.query(
                """
                SELECT minimum_order, pack_size, last_price_minor FROM \(identifier: schema).supplier_items
                WHERE supplier = \(supplier.code) AND sku = \(sku)
                """
            ).first
        else { return nil }
        return Item(
            minimumOrder: try row.decode(Int.self, column: "minimum_order"), packSize: try row.decode(Int.self, column: "pack_size"),
            lastPrice: try row.decode(Int64?.self, column: "last_price_minor").map { Money(minorUnits: $0, currency: supplier.currency) })
    }

    // MARK: - Orders

    /// A new draft order; returns its id and number.
    public func createOrder(supplier: Supplier, warehouse: String, expected: BusinessDate?, in tx: PostgresTransaction) async throws
        -> (id: Int64, number: String)
    {
        let row = try await tx.query(
            """
            WITH next AS (SELECT nextval(pg_get_serial_sequence(\(PostgresQuery.quoteIdentifier(schema) + ".purchase_orders"), 'id')) AS id)
            INSERT INTO \(identifier: schema).purchase_orders (id, number, supplier, warehouse, currency, expected)
            SELECT id, 'PO-' || id, \(supplier.code), \(warehouse), \(supplier.currency.code), \(expected?.description)::date FROM next
            RETURNING id, number
            """)
        return (try row[0].decode(Int64.self, at: 0), try row[0].decode(String.self, at: 1))
    }

    public func orderExists(_ number: String, in tx: PostgresTransaction) async throws -> Bool {
        try await !tx.query("SELECT 1 FROM \(identifier: schema).purchase_orders WHERE number = \(number)").isEmpty
    }

    /// The order and its lines, locked for the rest of the transaction; nil if there is none.
    public func order(_ number: String, in tx: PostgresTransaction) async throws -> Order? {
        guard
            let head = try await tx.query(
                """
                SELECT id, number, supplier, warehouse, currency, status, to_char(expected, 'YYYY-MM-DD') AS expected
                FROM \(identifier: schema).purchase_orders WHERE number = \(number) FOR UPDATE
                """
            ).first
        else { return nil }
        let id = try head.decode(Int64.self, column: "id")
        let currency = try Currency(code: try head.decode(String.self, column: "currency"))
        let lines = try await tx.query(
            """
            SELECT line, sku, quantity, unit_price_minor, received_quantity, request_id
            FROM \(identifier: schema).purchase_order_lines WHERE order_id = \(id) ORDER BY line
            """
        ).map { row in
            PurchasingResult.Order.Line(
                line: try row.decode(Int.self, column: "line"), sku: try row.decode(String.self, column: "sku"),
                quantity: try row.decode(Int.self, column: "quantity"),
                unitPrice: Money(minorUnits: try row.decode(Int64.self, column: "unit_price_minor"), currency: currency),
                received: try row.decode(Int.self, column: "received_quantity"), request: try row.decode(Int64?.self, column: "request_id"))
        }
        return Order(
            id: id,
            result: PurchasingResult.Order(
                number: try head.decode(String.self, column: "number"), supplier: try head.decode(String.self, column: "supplier"),
                warehouse: try head.decode(String.self, column: "warehouse"), currency: currency,
                status: try head.decode(String.self, column: "status"),
                expected: try head.decode(String?.self, column: "expected").map { try BusinessDate($0) }, lines: lines))
    }

    /// Adds a line after the order's last; returns its number.
    @discardableResult
    public func addLine(order: Int64, sku: String, quantity: Int, unitPrice: Money, request: Int64?, in tx: PostgresTransaction) async throws
        -> Int
    {
        let row = try await tx.query(
            """
            INSERT INTO \(identifier: schema).purchase_order_lines (order_id, line, sku, quantity, unit_price_minor, request_id)
            SELECT \(order), coalesce(max(line), 0) + 1, \(sku), \(quantity), \(unitPrice.minorUnits), \(request)::bigint
            FROM \(identifier: schema).purchase_order_lines WHERE order_id = \(order)
            RETURNING line
            """)
        if let request {
            try await tx.query("UPDATE \(identifier: schema).purchase_requests SET purchase_order = \(order) WHERE id = \(request)")
        }
        return try row[0].decode(Int.self, at: 0)
    }

    /// Adds received units to an order line.
    public func receive(order: Int64, line: Int, quantity: Int, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            UPDATE \(identifier: schema).purchase_order_lines SET received_quantity = received_quantity + \(quantity)
            WHERE order_id = \(order) AND line = \(line)
            """)
    }

    /// Moves the order to `status`, stamping when it was approved, sent or closed.
    public func setStatus(_ order: Int64, _ status: PurchaseOrderStatus, reason: String? = nil, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            UPDATE \(identifier: schema).purchase_orders SET status = \(status.rawValue),
                approved_at = CASE WHEN \(status.rawValue) = 'approved' THEN now() ELSE approved_at END,
                sent_at = CASE WHEN \(status.rawValue) = 'sent' THEN now() ELSE sent_at END,
                closed_at = CASE WHEN \(status.rawValue) IN ('closed', 'cancelled') THEN now() ELSE closed_at END,
                cancel_reason = coalesce(\(reason), cancel_reason)
            WHERE id = \(order)
            """)
        if status == .cancelled {
            // Its requests wait for another order.
            try await tx.query(
                "UPDATE \(identifier: schema).purchase_requests SET purchase_order = NULL WHERE purchase_order = \(order) AND status = 'open'")
        }
    }

    /// An open purchase request that no live order covers, with its SKU's preferred supplier
    /// (nil when the SKU has none, or only an inactive one).
    public struct OpenRequest: Sendable {
        public let id: Int64
        public let sku: String
        public let warehouse: String
        public let quantity: Int
        public let supplier: String?
    }

    /// The open requests no order covers yet, locked, in the order they were opened.
    public func uncoveredRequests(in tx: PostgresTransaction) async throws -> [OpenRequest] {
        try await tx.query(
            """
            SELECT r.id, r.sku, r.warehouse, r.quantity - r.received_quantity AS quantity, i.supplier
            FROM \(identifier: schema).purchase_requests r
            LEFT JOIN \(identifier: schema).supplier_items i ON i.sku = r.sku AND i.preferred
                AND EXISTS (SELECT 1 FROM \(identifier: schema).suppliers s WHERE s.code = i.supplier AND s.active)
            WHERE r.status = 'open' AND r.purchase_order IS NULL
            ORDER BY r.id
            FOR UPDATE OF r
            """
        ).map { row in
            OpenRequest(
                id: try row.decode(Int64.self, column: "id"), sku: try row.decode(String.self, column: "sku"),
                warehouse: try row.decode(String.self, column: "warehouse"), quantity: try row.decode(Int.self, column: "quantity"),
                supplier: try row.decode(String?.self, column: "supplier"))
        }
    }
}
