import Contracts
import Foundation
import Postgres

/// What finance keeps to book by: the SKUs' tax categories (copied from the catalog), the
/// tax rates and the chart of accounts.
public struct ReferenceData: Sendable {
    public let schema: String
    public init(schema: String = "finance") { self.schema = schema }

    public func upsertSKU(code: String, title: String, taxCategory: String, in tx: PostgresTransaction) async throws {
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).skus (code, title, tax_category) VALUES (\(code), \(title), \(taxCategory))
            ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, tax_category = EXCLUDED.tax_category
            """)
    }

    /// False if the account exists already.
    public func addAccount(code: String, name: String, type: String, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).accounts (code, name, type) VALUES (\(code), \(name), \(type)) ON CONFLICT (code) DO NOTHING
            """
        ).affectedRows == 1
    }

    /// The rate of every category in force on `date`.
    public func rates(on date: BusinessDate, in tx: PostgresTransaction) async throws -> TaxRates {
        var rates: [String: Int] = [:]
        for row in try await tx.query(
            """
            SELECT DISTINCT ON (category) category, basis_points FROM \(identifier: schema).tax_rate_periods
            WHERE effective_from <= \(date.description)::date ORDER BY category, effective_from DESC
            """)
        {
            rates[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return TaxRates(basisPoints: rates)
    }

    /// Sets a category's rate from a day on (replacing a rate set for that same day).
    public func setTaxRate(category: String, basisPoints: Int, from date: BusinessDate, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).tax_rate_periods (category, effective_from, basis_points)
            VALUES (\(category), \(date.description)::date, \(basisPoints))
            ON CONFLICT (category, effective_from) DO UPDATE SET basis_points = EXCLUDED.basis_points, set_at = now()
            """)
    }

    /// The latest invoice date (issued invoices and credit notes), to keep rate changes off what is issued.
    public func lastInvoiceDate(in tx: PostgresTransaction) async throws -> BusinessDate? {
        try await tx.query("SELECT max(issued_on)::text FROM \(identifier: schema).invoices").first?.decode(String?.self, at: 0).map {
            try BusinessDate($0)
        }
    }

    /// Sets a currency's rate into the base currency from a day on.
    public func setExchangeRate(currency: String, rate: String, on date: BusinessDate, in tx: PostgresTransaction) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).exchange_rates (currency, effective_on, rate) VALUES (\(currency), \(date.description)::date, \(rate)::numeric)
            ON CONFLICT (currency, effective_on) DO UPDATE SET rate = EXCLUDED.rate, set_at = now()
            """)
    }

    public func taxCategories(_ skus: [String], in tx: PostgresTransaction) async throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try await tx.query("SELECT code, tax_category FROM \(identifier: schema).skus WHERE code = ANY(\(skus))") {
            result[try row.decode(String.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return result
    }
}
