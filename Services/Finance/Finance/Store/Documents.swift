import Contracts
import Foundation
import Postgres

/// Invoices (gapless numbers per series and year) and open items.
public struct Documents: Sendable {
    public let schema: String
    public init(schema: String = "finance") { self.schema = schema }
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    /// The next number of a series in a year: `INV-2026-000001`. The series row stays locked
    /// until the transaction ends, so numbers are handed out in order and a rolled-back
    /// transaction gives its number back: no gaps.
    public func nextNumber(series: String, year: Int, in tx: PostgresTransaction) async throws -> String {
        let number = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(s).invoice_series (series, year, last_number) VALUES ($1, $2, 1)
                    ON CONFLICT (series, year) DO UPDATE SET last_number = invoice_series.last_number + 1
                    RETURNING last_number
                    """, binds: [series, year]))[0].decode(Int.self, at: 0)
        let digits = String(number)
        return "\(series)-\(year)-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }

    public func save(_ invoice: Invoice, in tx: PostgresTransaction) async throws {
        let customer = try invoice.customer.map { String(decoding: try MessageCoding.encoder().encode($0), as: UTF8.self) }
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).invoices (number, kind, order_id, channel, customer, currency, prices_include_tax, net_minor,
                tax_minor, gross_minor, issued_on, due_on, corrects, document)
            VALUES (\(invoice.number), \(invoice.kind.rawValue), \(invoice.order), \(invoice.channel), \(customer)::jsonb, \(invoice.currency.code),
                \(invoice.pricesIncludeTax), \(invoice.net.minorUnits), \(invoice.tax.minorUnits), \(invoice.gross.minorUnits),
                \(invoice.issuedOn.description)::date, \(invoice.dueOn.description)::date, \(invoice.corrects), \(invoice.html))
            """)
        let lines = invoice.lines
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).invoice_lines (number, line, sku, description, quantity, basis_points, net_minor, tax_minor, gross_minor)
            SELECT \(invoice.number), l.*
            FROM unnest(\(lines.map(\.number))::int[], \(lines.map(\.sku))::text[], \(lines.map(\.description))::text[],
                        \(lines.map(\.quantity))::int[], \(lines.map(\.tax.basisPoints))::int[], \(lines.map(\.tax.net.minorUnits))::bigint[],
                        \(lines.map(\.tax.tax.minorUnits))::bigint[], \(lines.map(\.tax.gross.minorUnits))::bigint[])
                AS l (line, sku, description, quantity, basis_points, net, tax, gross)
            """)
    }

    /// The order's issued sales invoice, with its lines.
    public func invoice(order: Int64, in tx: PostgresTransaction) async throws -> Invoice? {
        guard
            let head = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT number, channel, customer::text AS customer, currency, prices_include_tax, issued_on::text AS issued_on, due_on::text AS due_on
                        FROM \(s).invoices WHERE order_id = $1 AND kind = 'invoice' AND status = 'issued' ORDER BY number LIMIT 1
                        """, binds: [order])
            ).first
        else { return nil }
        let number = try head.decode(String.self, column: "number")
        let currency = try Currency(code: try head.decode(String.self, column: "currency"))
        let lines = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT line, sku, description, quantity, basis_points, net_minor, tax_minor, gross_minor FROM \(s).invoice_lines
                    WHERE number = $1 ORDER BY line
                    """, binds: [number])
        ).map { row in
            Invoice.Line(
                number: try row.decode(Int.self, column: "line"), sku: try row.decode(String?.self, column: "sku"),
                description: try row.decode(String.self, column: "description"), quantity: try row.decode(Int.self, column: "quantity"),
                tax: TaxCalculation.Line(
                    net: Money(minorUnits: try row.decode(Int64.self, column: "net_minor"), currency: currency),
                    tax: Money(minorUnits: try row.decode(Int64.self, column: "tax_minor"), currency: currency),
                    gross: Money(minorUnits: try row.decode(Int64.self, column: "gross_minor"), currency: currency),
                    basisPoints: try row.decode(Int.self, column: "basis_points")))
        }
        return Invoice(
            number: number, kind: .invoice, order: order, channel: try head.decode(String.self, column: "channel"),
            customer: try head.decode(String?.self, column: "customer").map {
                try MessageCoding.decoder().decode(CanonicalOrder.Customer.self, from: Data($0.utf8))
            },
            currency: currency, pricesIncludeTax: try head.decode(Bool.self, column: "prices_include_tax"), lines: lines,
            issuedOn: try BusinessDate(try head.decode(String.self, column: "issued_on")),
            dueOn: try BusinessDate(try head.decode(String.self, column: "due_on")))
    }

    // MARK: - Open items

    public enum Kind: String, Sendable { case receivable, payable }

    /// Opens an item (or adds to one with the same document: several receipts on one purchase order).
    public func open(
        _ kind: Kind, document: String, order: Int64?, party: String?, amount: Money, on date: BusinessDate, due: BusinessDate,
        in tx: PostgresTransaction
    ) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).open_items (kind, document, order_id, party, currency, amount_minor, open_minor, opened_on, due_on)
            VALUES (\(kind.rawValue), \(document), \(order), \(party), \(amount.currency.code), \(amount.minorUnits), \(amount.minorUnits),
                \(date.description)::date, \(due.description)::date)
            ON CONFLICT (kind, document) DO UPDATE SET amount_minor = open_items.amount_minor + EXCLUDED.amount_minor,
                open_minor = open_items.open_minor + EXCLUDED.open_minor
            """)
    }

    /// Settles `amount` against open items (oldest due first) of an order's receivables or of
    /// a payable document. Returns what remains open; refuses to settle more than is open.
    public func settle(
        _ kind: Kind, order: Int64? = nil, document: String? = nil, party: String? = nil, amount: Money, in tx: PostgresTransaction
    ) async throws -> Money {
        // A statement per kind and way (the kind a literal from the enum), so that each
        // prepared plan can use its index (the receivables' index is partial on the kind).
        let rows = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, open_minor FROM \(s).open_items
                    WHERE kind = '\(kind.rawValue)' AND \(order != nil ? "order_id = $1::bigint" : "$1::bigint IS NULL")
                      AND ($2::text IS NULL OR document = $2) AND ($4::text IS NULL OR party = $4) AND open_minor > 0 AND currency = $3
                    ORDER BY due_on, id FOR UPDATE
                    """, binds: [order, document, amount.currency.code, party]))
        let open = try rows.reduce(Int64(0)) { $0 + (try $1.decode(Int64.self, at: 1)) }
        guard amount.minorUnits <= open else {
            throw CommandRefused("more-than-open", "\(amount) is more than the \(Money(minorUnits: open, currency: amount.currency)) open")
        }
        var left = amount.minorUnits
        for row in rows where left > 0 {
            let take = min(left, try row.decode(Int64.self, at: 1))
            try await tx.queue(
                PostgresQuery(
                    unsafeSQL: "UPDATE \(s).open_items SET open_minor = open_minor - $2 WHERE id = $1",
                    binds: [try row.decode(Int64.self, at: 0), take]))
            left -= take
        }
        return Money(minorUnits: open - amount.minorUnits, currency: amount.currency)
    }

    public func close(_ kind: Kind, document: String, in tx: PostgresTransaction) async throws {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).open_items SET open_minor = 0, amount_minor = 0 WHERE kind = $1 AND document = $2",
                binds: [kind.rawValue, document]))
    }
}
