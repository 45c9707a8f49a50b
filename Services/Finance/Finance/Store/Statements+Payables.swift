import Contracts
import Foundation
import Postgres
import ServiceKit

/// Accounts payable by supplier, supplier bills, the chart of accounts and the rates.
extension Statements {
    /// Open items of one kind per party and currency, by bucket at `date` (the AP ageing per
    /// supplier, or the AR ageing per customer). Items without a party are `(none)`.
    public func ageingByParty(at date: BusinessDate, kind: Documents.Kind, _ pool: PostgresPool) async throws -> ReportTable {
        var totals: [String: [AgeingBucket: Int64]] = [:]
        for row in try await pool.query(
            """
            SELECT coalesce(party, '(none)') || ' ' || currency AS key, (\(date.description)::date - due_on) AS overdue, open_minor
            FROM \(identifier: schema).open_items WHERE kind = \(kind.rawValue) AND open_minor > 0
            """)
        {
            let bucket = AgeingBucket.of(daysOverdue: try row.decode(Int.self, column: "overdue"))
            totals[try row.decode(String.self, column: "key"), default: [:]][bucket, default: 0] += try row.decode(Int64.self, column: "open_minor")
        }
        return ReportTable(
            columns: ["party", "currency"] + AgeingBucket.allCases.map(\.rawValue) + ["total"],
            rows: totals.sorted { $0.key < $1.key }.map { key, buckets in
                let party = String(key.dropLast(4)), code = String(key.suffix(3))
                let currency = (try? Currency(code: code)) ?? .cny
                func amount(_ minor: Int64) -> String { Money(minorUnits: minor, currency: currency).decimalString }
                return [party, code] + AgeingBucket.allCases.map { amount(buckets[$0] ?? 0) } + [amount(buckets.values.reduce(0, +))]
            }, numericColumns: Set(AgeingBucket.allCases.map(\.rawValue) + ["total"]))
    }

    /// Supplier bills (of one supplier, or all; held ones alone if asked), with why held ones are held.
    public func supplierBills(supplier: String?, heldOnly: Bool, _ pool: PostgresPool) async throws -> ReportTable {
        let rows = try await pool.query(
            """
            SELECT b.supplier, b.number, b.po, b.status, b.bill_date::text AS bill_date, b.due_on::text AS due_on, b.currency, b.net_minor,
                b.tax_minor, b.gross_minor, coalesce(o.open_minor, 0) AS open_minor,
                coalesce(array_to_string(b.hold_reasons, '; '), '') AS reasons, coalesce(b.decision_note, '') AS note
            FROM \(identifier: schema).supplier_bills b
            LEFT JOIN \(identifier: schema).open_items o ON o.kind = 'payable' AND o.document = b.document
            WHERE (\(supplier)::text IS NULL OR b.supplier = \(supplier)) AND (NOT \(heldOnly) OR b.status = 'held')
            ORDER BY b.bill_date, b.supplier, b.number
            """)
        return ReportTable(
            columns: [
                "supplier", "number", "po", "status", "bill_date", "due_on", "currency", "net", "tax", "gross", "open", "held_because", "note",
            ],
            rows: try rows.map { row in
                let currency = try Currency(code: try row.decode(String.self, column: "currency"))
                func amount(_ column: String) throws -> String {
                    Money(minorUnits: try row.decode(Int64.self, column: column), currency: currency).decimalString
                }
                return [
                    row["supplier"], row["number"], row["po"], row["status"], row["bill_date"], row["due_on"], currency.code, try amount("net_minor"),
                    try amount("tax_minor"), try amount("gross_minor"), try amount("open_minor"), row["reasons"], row["note"],
                ]
            }, numericColumns: ["net", "tax", "gross", "open"])
    }

    /// The chart of accounts.
    public func accounts(_ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(try await pool.query("SELECT code, name, type FROM \(identifier: schema).accounts ORDER BY code"))
    }

    /// Tax rates by category and the day each takes effect.
    public func taxRates(_ pool: PostgresPool) async throws -> ReportTable {
        ReportTable(
            try await pool.query(
                """
                SELECT category, effective_from::text AS effective_from, to_char(basis_points / 100.0, 'FM990.00') || '%' AS rate
                FROM \(identifier: schema).tax_rate_periods ORDER BY category, effective_from
                """))
    }

    /// Every exchange rate set.
    public func exchangeRates(_ pool: PostgresPool) async throws -> [CurrencyConversion.Rate] {
        try await pool.query(
            "SELECT currency, effective_on::text, rate::text FROM \(identifier: schema).exchange_rates ORDER BY currency, effective_on"
        ).map {
            CurrencyConversion.Rate(
                currency: try $0.decode(String.self, at: 0), effectiveOn: try BusinessDate(try $0.decode(String.self, at: 1)),
                rate: Self.trimmed(try $0.decode(String.self, at: 2)))
        }
    }

    /// `7.1200000000` → `7.12`.
    static func trimmed(_ decimal: String) -> String {
        guard decimal.contains(".") else { return decimal }
        var text = decimal
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
