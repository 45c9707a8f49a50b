import Contracts
import Foundation
import Postgres

/// Purchase orders as finance knows them (sent, their lines, what was received on each) and
/// supplier bills.
public struct SupplierBills: Sendable {
    public let schema: String
    public init(schema: String = "finance") { self.schema = schema }

    public struct Order: Sendable, Equatable {
        public let number: String
        public let supplier: String
        public let currency: Currency
        public let paymentTermsDays: Int?
        public let lines: [Int: BillMatch.OrderLine]
    }

    public struct Bill: Sendable, Equatable {
        public let id: Int64
        public let supplier: String
        public let number: String
        public let po: String
        public let document: String
        public let status: String
        public let net: Money
        public let tax: Money
        public let gross: Money
        public let billDate: BusinessDate
        public let due: BusinessDate
        public let reasons: [String]
        public let entry: Int64?
    }

    /// The payable's document of a bill.
    public static func document(supplier: String, number: String) -> String { "\(supplier)/\(number)" }

    public func recordOrder(_ sent: PurchasingEvent.OrderSent, in tx: PostgresTransaction) async throws {
        guard let currency = sent.lines.first?.unitPrice.currency else { return }
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).purchase_orders (number, supplier, currency, payment_terms_days)
            VALUES (\(sent.order), \(sent.supplier), \(currency.code), \(sent.paymentTermsDays)) ON CONFLICT (number) DO NOTHING
            """)
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).purchase_order_lines (po, line, sku, quantity, unit_price_minor)
            SELECT \(sent.order), l.* FROM unnest(\(sent.lines.map(\.line))::int[], \(sent.lines.map(\.sku))::text[],
                \(sent.lines.map(\.quantity))::int[], \(sent.lines.map(\.unitPrice.minorUnits))::bigint[]) AS l (line, sku, quantity, price)
            ON CONFLICT (po, line) DO NOTHING
            """)
    }

    public func recordReceipt(
        po: String, line: Int, supplier: String, sku: String, quantity: Int, unitCost: Money, on date: BusinessDate, entry: Int64?,
        source: String, in tx: PostgresTransaction
    ) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).purchase_receipts (po, line, supplier, sku, quantity, unit_cost_minor, currency, received_on, entry_id, source)
            VALUES (\(po), \(line), \(supplier), \(sku), \(quantity), \(unitCost.minorUnits), \(unitCost.currency.code), \(date.description)::date, \(entry),
                \(source))
            ON CONFLICT (source) DO NOTHING
            """)
    }

    /// The order with each line's received and already billed units (bills not rejected,
    /// `excluding` one being decided) and the VAT rate of its SKU on `date`. Locks the order's
    /// row so that two bills of one order are matched one after the other.
    public func order(
        _ number: String, excluding bill: Int64? = nil, rates: TaxRates, categories: [String: String], in tx: PostgresTransaction
    ) async throws -> Order? {
        guard
            let head = try await tx.query(
                "SELECT supplier, currency, payment_terms_days FROM \(identifier: schema).purchase_orders WHERE number = \(number) FOR UPDATE"
            ).first
        else { return nil }
        let currency = try Currency(code: try head.decode(String.self, column: "currency"))
        var lines: [Int: BillMatch.OrderLine] = [:]
        for row in try await tx.query(
            """
            SELECT l.line, l.sku, l.unit_price_minor,
                coalesce((SELECT sum(quantity) FROM \(identifier: schema).purchase_receipts r WHERE r.po = l.po AND r.line = l.line), 0)::int AS received,
                coalesce((SELECT sum(bl.quantity) FROM \(identifier: schema).supplier_bill_lines bl
                          JOIN \(identifier: schema).supplier_bills b ON b.id = bl.bill_id
                          WHERE b.po = l.po AND bl.po_line = l.line AND b.status <> 'rejected' AND b.id IS DISTINCT FROM \(bill)), 0)::int AS billed
            FROM \(identifier: schema).purchase_order_lines l WHERE l.po = \(number)
            """)
        {
            let line = try row.decode(Int.self, column: "line"), sku = try row.decode(String.self, column: "sku")
            lines[line] = BillMatch.OrderLine(
                line: line, sku: sku, unitPrice: Money(minorUnits: try row.decode(Int64.self, column: "unit_price_minor"), currency: currency),
                received: try row.decode(Int.self, column: "received"), billed: try row.decode(Int.self, column: "billed"),
                basisPoints: rates.rate(categories[sku] ?? "standard"))
        }
        return Order(
            number: number, supplier: try head.decode(String.self, column: "supplier"), currency: currency,
            paymentTermsDays: try head.decode(Int?.self, column: "payment_terms_days"), lines: lines)
    }

    /// The SKUs of an order's lines.
    public func skus(of order: String, in tx: PostgresTransaction) async throws -> [String] {
        try await tx.query("SELECT DISTINCT sku FROM \(identifier: schema).purchase_order_lines WHERE po = \(order)").map {
            try $0.decode(String.self, at: 0)
        }
    }

    /// Saves a bill and its lines; nil if the supplier has a bill with this number.
    public func save(
        _ command: FinanceCommand.RecordSupplierBill, match: BillMatch, status: String, billDate: BusinessDate, due: BusinessDate,
        entry: Int64?, in tx: PostgresTransaction
    ) async throws -> Int64? {
        let reasons: [String]? = match.reasons.isEmpty ? nil : match.reasons
        guard
            let id = try await tx.query(
                """
                INSERT INTO \(identifier: schema).supplier_bills (supplier, number, po, document, currency, net_minor, tax_minor, gross_minor,
                    bill_date, due_on, status, hold_reasons, entry_id)
                VALUES (\(command.supplier), \(command.number), \(command.purchaseOrder),
                    \(Self.document(supplier: command.supplier, number: command.number)), \(match.gross.currency.code),
                    \(match.net.minorUnits), \(match.tax.minorUnits), \(match.gross.minorUnits), \(billDate.description)::date,
                    \(due.description)::date, \(status), \(reasons)::text[], \(entry))
                ON CONFLICT DO NOTHING RETURNING id
                """
            ).first?.decode(Int64.self, at: 0)
        else { return nil }
        let lines = match.lines
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).supplier_bill_lines (bill_id, po_line, sku, quantity, unit_price_minor, basis_points)
            SELECT \(id), l.* FROM unnest(\(lines.map(\.orderLine))::int[], \(lines.map(\.sku))::text[], \(lines.map(\.quantity))::int[],
                \(lines.map(\.unitPrice.minorUnits))::bigint[], \(lines.map(\.tax.basisPoints))::int[]) AS l
            """)
        return id
    }

    public func bill(supplier: String, number: String, in tx: PostgresTransaction) async throws -> Bill? {
        guard
            let row = try await tx.query(
                """
                SELECT id, supplier, number, po, document, status, currency, net_minor, tax_minor, gross_minor, bill_date::text AS bill_date,
                    due_on::text AS due_on, coalesce(to_json(hold_reasons), '[]')::text AS reasons, entry_id
                FROM \(identifier: schema).supplier_bills WHERE supplier = \(supplier) AND number = \(number) FOR UPDATE
                """
            ).first
        else { return nil }
        let currency = try Currency(code: try row.decode(String.self, column: "currency"))
        func money(_ column: String) throws -> Money { Money(minorUnits: try row.decode(Int64.self, column: column), currency: currency) }
        return Bill(
            id: try row.decode(Int64.self, column: "id"), supplier: try row.decode(String.self, column: "supplier"),
            number: try row.decode(String.self, column: "number"), po: try row.decode(String.self, column: "po"),
            document: try row.decode(String.self, column: "document"), status: try row.decode(String.self, column: "status"),
            net: try money("net_minor"), tax: try money("tax_minor"), gross: try money("gross_minor"),
            billDate: try BusinessDate(try row.decode(String.self, column: "bill_date")),
            due: try BusinessDate(try row.decode(String.self, column: "due_on")),
            reasons: try JSONDecoder().decode([String].self, from: Data(try row.decode(String.self, column: "reasons").utf8)),
            entry: try row.decode(Int64?.self, column: "entry_id"))
    }

    /// A bill's lines as they were matched (for booking a held bill).
    public func lines(of bill: Int64, currency: Currency, order: Order, in tx: PostgresTransaction) async throws -> [BillMatch.Line] {
        try await tx.query(
            """
            SELECT po_line, sku, quantity, unit_price_minor, basis_points FROM \(identifier: schema).supplier_bill_lines
            WHERE bill_id = \(bill) ORDER BY po_line
            """
        ).map { row in
            let line = try row.decode(Int.self, column: "po_line"), quantity = try row.decode(Int.self, column: "quantity")
            let price = Money(minorUnits: try row.decode(Int64.self, column: "unit_price_minor"), currency: currency)
            let net = try price.times(quantity)
            let ordered = order.lines[line]?.unitPrice ?? price
            return BillMatch.Line(
                orderLine: line, sku: try row.decode(String.self, column: "sku"), quantity: quantity, unitPrice: price,
                tax: try TaxCalculation.line(net, basisPoints: try row.decode(Int.self, column: "basis_points"), inclusive: false),
                atOrderPrice: try ordered.times(quantity))
        }
    }

    public func decide(_ bill: Int64, status: String, note: String, entry: Int64?, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            "UPDATE \(identifier: schema).supplier_bills SET status = \(status), decision_note = \(note), entry_id = \(entry) WHERE id = \(bill)")
    }
}
