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

    public func rates(in tx: PostgresTransaction) async throws -> TaxRates {
        var rates: [String: Int] = [:]
        for row in try await tx.query("SELECT category, basis_points FROM \(identifier: schema).tax_rates") {
            rates[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        return TaxRates(basisPoints: rates)
    }

    public func taxCategories(_ skus: [String], in tx: PostgresTransaction) async throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try await tx.query("SELECT code, tax_category FROM \(identifier: schema).skus WHERE code = ANY(\(skus))") {
            result[try row.decode(String.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return result
    }
}
