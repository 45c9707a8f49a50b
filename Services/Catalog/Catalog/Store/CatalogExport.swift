import Foundation
import Contracts
import Postgres
import ServiceKit

/// Reads the catalog for `erpctl catalog export` (and `list`): one row per product in the
/// import file's columns, so that an export can be imported again.
public struct CatalogExport: Sendable {
    public let schema: String
    public init(schema: String = "catalog") { self.schema = schema }

    /// The export's columns (the import file's, then `title:LOCALE` and `description:LOCALE`
    /// for every locale any product is translated into) and one row per product.
    public func table(_ pool: PostgresPool, includeInactive: Bool = true) async throws -> (columns: [String], rows: [[String]]) {
        let s = PostgresQuery.quoteIdentifier(schema)
        let result = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT p.code, p.title, p.description, coalesce(p.category, '') AS category, p.tax_category,
                           coalesce(k.price_minor::text, '') AS price_minor, coalesce(k.currency, '') AS currency,
                           array_to_string(p.tags, '|') AS tags, array_to_string(p.images, '|') AS images, coalesce(k.barcode, '') AS barcode,
                           coalesce((SELECT string_agg(key || '=' || value, '|' ORDER BY key) FROM jsonb_each_text(p.details)), '') AS attributes,
                           coalesce((SELECT json_object_agg(t.locale, json_build_array(t.title, t.description))
                                     FROM \(s).translations t WHERE t.product = p.code), '{}')::text AS translations
                    FROM \(s).products p LEFT JOIN \(s).skus k ON k.code = p.code
                    WHERE $1 OR p.active ORDER BY p.code
                    """, binds: [includeInactive]))
        var translated: [[String: [String]]] = []
        var rows: [[String]] = []
        for row in result {
            var price = ""
            let currencyCode = try row.decode(String.self, column: "currency")
            if let minor = Int64(try row.decode(String.self, column: "price_minor")), let currency = try? Currency(code: currencyCode) {
                price = Money(minorUnits: minor, currency: currency).decimalString
            }
            rows.append([
                try row.decode(String.self, column: "code"), try row.decode(String.self, column: "title"),
                try row.decode(String.self, column: "description"), try row.decode(String.self, column: "category"),
                try row.decode(String.self, column: "tax_category"), price, currencyCode, try row.decode(String.self, column: "tags"),
                try row.decode(String.self, column: "images"), try row.decode(String.self, column: "barcode"),
                try row.decode(String.self, column: "attributes"),
            ])
            translated.append(try JSONDecoder().decode([String: [String]].self, from: Data(try row.decode(String.self, column: "translations").utf8)))
        }
        let locales = Set(translated.flatMap(\.keys)).sorted()
        let columns = ProductFile.columns + locales.flatMap { ["title:\($0)", "description:\($0)"] }
        for index in rows.indices {
            rows[index] += locales.flatMap { locale in translated[index][locale].map { [$0[0], $0.count > 1 ? $0[1] : ""] } ?? ["", ""] }
        }
        return (columns, rows)
    }

    /// SKUs with price, barcode, product, options and flags.
    public func skus(product: String?, _ pool: PostgresPool) async throws -> ReportTable {
        let s = PostgresQuery.quoteIdentifier(schema)
        let result = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT k.code, k.product, k.options::text AS options, k.barcode, k.price_minor, k.currency, k.active, k.sold
                    FROM \(s).skus k WHERE $1::text IS NULL OR k.product = $1 ORDER BY k.product, k.code
                    """, binds: [product]))
        let rows: [[String?]] = try result.map { row in
            let price = try row.decode(Int64?.self, column: "price_minor").flatMap { minor in
                (try? Currency(code: try row.decode(String.self, column: "currency"))).map { Money(minorUnits: minor, currency: $0).description }
            }
            return [
                try row.decode(String.self, column: "code"), try row.decode(String.self, column: "product"),
                try row.decode(String.self, column: "options"), try row.decode(String?.self, column: "barcode"), price,
                try row.decode(Bool.self, column: "active") ? "yes" : "no", try row.decode(Bool.self, column: "sold") ? "yes" : "no",
            ]
        }
        return ReportTable(columns: ["code", "product", "options", "barcode", "price", "active", "sold"], rows: rows)
    }
}

extension CatalogExport {
    /// A product's title and description in `locale`, falling back through shorter locale
    /// codes (`zh-Hans-CN` → `zh-Hans` → `zh`) to the shop's fallback locale, in which the
    /// product's own title is written.
    public struct LocalisedProduct: Codable, Sendable, Equatable {
        public let code: String
        public let locale: String
        public let title: String
        public let description: String
        public let active: Bool
        public let category: String?
        public let translations: [String]
    }

    public func product(_ code: String, locale: String, fallbackLocale: String, _ pool: PostgresPool) async throws -> LocalisedProduct? {
        let s = PostgresQuery.quoteIdentifier(schema)
        guard
            let product = try await pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT title, description, active, category FROM \(s).products WHERE code = $1", binds: [code])
            ).first
        else { return nil }
        var titles = try Translations(fallbackLocale: fallbackLocale, texts: [fallbackLocale: try product.decode(String.self, column: "title")])
        var descriptions = try Translations(
            fallbackLocale: fallbackLocale, texts: [fallbackLocale: try product.decode(String.self, column: "description")])
        let rows = try await pool.query(
            PostgresQuery(
                unsafeSQL: "SELECT locale, title, description FROM \(s).translations WHERE product = $1 ORDER BY locale", binds: [code]))
        for row in rows {
            let rowLocale = try row.decode(String.self, column: "locale")
            try titles.set(try row.decode(String.self, column: "title"), for: rowLocale)
            try descriptions.set(try row.decode(String.self, column: "description"), for: rowLocale)
        }
        return LocalisedProduct(
            code: code, locale: try Translations.normalised(locale), title: titles.text(for: locale) ?? "",
            description: descriptions.text(for: locale) ?? "", active: try product.decode(Bool.self, column: "active"),
            category: try product.decode(String?.self, column: "category"),
            translations: try rows.map { try $0.decode(String.self, column: "locale") })
    }
}
