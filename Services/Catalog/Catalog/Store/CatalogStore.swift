import Contracts
import Foundation
import Postgres

/// Products, SKUs, categories and translations in the catalog schema, inside the
/// caller's transaction. Refusals are ``CommandRefused`` with the rule that was broken.
public struct CatalogStore: Sendable {
    public let schema: String
    public init(schema: String = "catalog") { self.schema = schema }
    var s: String { PostgresQuery.quoteIdentifier(schema) }

    // MARK: - Categories

    /// The whole tree, with the table locked against concurrent changes to it.
    func lockedTree(in tx: PostgresTransaction) async throws -> CategoryTree {
        try await tx.query(PostgresQuery(unsafeSQL: "LOCK TABLE \(s).categories IN SHARE ROW EXCLUSIVE MODE"))
        var parents: [String: String?] = [:]
        for row in try await tx.query(PostgresQuery(unsafeSQL: "SELECT code, parent FROM \(s).categories")) {
            parents[try row.decode(String.self, column: "code")] = .some(try row.decode(String?.self, column: "parent"))
        }
        return CategoryTree(parents: parents)
    }

    public func createCategory(code: String, name: String, parent: String?, in tx: PostgresTransaction) async throws {
        var tree = try await lockedTree(in: tx)
        do { try tree.add(code, under: parent) } catch { throw Self.refusal(error) }
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "INSERT INTO \(s).categories (code, name, parent) VALUES ($1, $2, $3)", binds: [code, name, parent]))
    }

    public func moveCategory(code: String, parent: String?, in tx: PostgresTransaction) async throws {
        var tree = try await lockedTree(in: tx)
        do { try tree.move(code, under: parent) } catch { throw Self.refusal(error) }
        try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).categories SET parent = $2 WHERE code = $1", binds: [code, parent]))
    }

    public func renameCategory(code: String, name: String, in tx: PostgresTransaction) async throws {
        let updated = try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).categories SET name = $2 WHERE code = $1", binds: [code, name]))
        guard updated.affectedRows == 1 else { throw CommandRefused("unknown-category", "unknown category '\(code)'") }
    }

    static func refusal(_ problem: CategoryTree.Problem) -> CommandRefused {
        switch problem {
        case .unknownCategory: return CommandRefused("unknown-category", problem.description)
        case .duplicateCategory: return CommandRefused("duplicate-category", problem.description)
        case .cycle: return CommandRefused("category-cycle", problem.description)
        }
    }

    // MARK: - Products

    public enum Written: Sendable { case created, updated }

    /// Creates (`mode` .create), updates (.update) or either (.upsert) a product; a price
    /// makes it a simple product with one SKU coded like the product.
    public enum Mode: Sendable { case create, update, upsert }

    @discardableResult
    public func write(_ draft: CatalogCommand.ProductDraft, mode: Mode, in tx: PostgresTransaction) async throws -> Written {
        let draft = try ProductRules.product(draft)
        if let category = draft.category {
            guard try await tx.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).categories WHERE code = $1", binds: [category])).first != nil
            else { throw CommandRefused("unknown-category", "product \(draft.code): unknown category '\(category)'") }
        }
        let row = try await tx.query(
            """
            INSERT INTO \(identifier: schema).products AS p (code, title, description, category, tax_category, tags, images)
            VALUES (\(draft.code), \(draft.title), \(draft.description), \(draft.category), \(draft.taxCategory), \(draft.tags)::text[], \(draft.images)::text[])
            ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, category = EXCLUDED.category,
                tax_category = EXCLUDED.tax_category, tags = EXCLUDED.tags, images = EXCLUDED.images, updated_at = now()
                WHERE \(mode != .create)
            RETURNING (xmax = 0) AS created
            """)
        guard let written = row.first else { throw CommandRefused("duplicate-product", "product \(draft.code) exists already") }
        let created = try written.decode(Bool.self, column: "created")
        if mode == .update && created { throw CommandRefused("unknown-product", "no product \(draft.code) to update") }
        if draft.price != nil || draft.barcode != nil {
            try await writeSimpleSKU(draft, in: tx)
        }
        if let details = draft.details {
            let json = String(decoding: try JSONEncoder().encode(try ProductRules.details(details)), as: UTF8.self)
            try await tx.queue("UPDATE \(identifier: schema).products SET details = \(json)::jsonb WHERE code = \(draft.code)")
        }
        for translation in draft.translations ?? [] {
            try await setTranslation(
                CatalogCommand.SetTranslation(
                    product: draft.code, locale: translation.locale, title: translation.title, description: translation.description), in: tx)
        }
        return created ? .created : .updated
    }

    /// Sets and removes descriptive attributes; at most 50 remain.
    public func setDetails(_ command: CatalogCommand.SetProductDetails, in tx: PostgresTransaction) async throws {
        let set = String(decoding: try JSONEncoder().encode(try ProductRules.details(command.set)), as: UTF8.self)
        guard
            let row = try await tx.query(
                """
                UPDATE \(identifier: schema).products SET details = (details - \(command.remove)::text[]) || \(set)::jsonb, updated_at = now()
                WHERE code = \(command.product) RETURNING (SELECT count(*) FROM jsonb_object_keys(details))::int
                """
            ).first
        else { throw CommandRefused("unknown-product", "no product \(command.product)") }
        guard try row.decode(Int.self, at: 0) <= 50 else { throw CommandRefused("validation", "a product has at most 50 attributes") }
    }

    /// The single SKU of a product without variants, coded like the product.
    private func writeSimpleSKU(_ draft: CatalogCommand.ProductDraft, in tx: PostgresTransaction) async throws {
        let variants = try await tx.query(
            PostgresQuery(
                unsafeSQL: "SELECT 1 FROM \(s).skus WHERE product = $1 AND code <> $1 AND active", binds: [draft.code]))
        guard variants.isEmpty else {
            throw CommandRefused("has-variants", "product \(draft.code) has variants: set prices per SKU")
        }
        let owner = try await tx.query(PostgresQuery(unsafeSQL: "SELECT product FROM \(s).skus WHERE code = $1", binds: [draft.code])).first
        if let owner, try owner.decode(String.self, at: 0) != draft.code {
            throw CommandRefused("duplicate-sku", "SKU code \(draft.code) belongs to product \(try owner.decode(String.self, at: 0))")
        }
        try await requireFreeBarcode(draft.barcode, for: draft.code, in: tx)
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(s).skus (code, product, barcode, price_minor, currency) VALUES ($1, $1, $2, $3, $4)
                    ON CONFLICT (code) DO UPDATE SET barcode = coalesce(EXCLUDED.barcode, skus.barcode),
                        price_minor = coalesce(EXCLUDED.price_minor, skus.price_minor), currency = coalesce(EXCLUDED.currency, skus.currency)
                    """, binds: [draft.code, draft.barcode, draft.price?.minorUnits, draft.price?.currency.code]))
    }

    func requireFreeBarcode(_ barcode: String?, for sku: String, in tx: PostgresTransaction) async throws {
        guard let barcode else { return }
        if let holder = try await tx.query(
            PostgresQuery(
                unsafeSQL: "SELECT code FROM \(s).skus WHERE barcode = $1 AND code <> $2", binds: [barcode, sku])
        ).first {
            throw CommandRefused("duplicate-barcode", "barcode \(barcode) is already SKU \(try holder.decode(String.self, at: 0))'s")
        }
    }

    public func deactivate(product: String, in tx: PostgresTransaction) async throws {
        let updated = try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).products SET active = false, updated_at = now() WHERE code = $1", binds: [product]))
        guard updated.affectedRows == 1 else { throw CommandRefused("unknown-product", "no product \(product)") }
        try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).skus SET active = false WHERE product = $1", binds: [product]))
    }

    public func delete(product: String, in tx: PostgresTransaction) async throws {
        guard try await tx.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).products WHERE code = $1 FOR UPDATE", binds: [product])).first != nil
        else { throw CommandRefused("unknown-product", "no product \(product)") }
        if let sold = try await tx.query(
            PostgresQuery(
                unsafeSQL: "SELECT code FROM \(s).skus WHERE product = $1 AND sold LIMIT 1", binds: [product])
        ).first {
            throw CommandRefused(
                "sold", "product \(product) has been sold (SKU \(try sold.decode(String.self, at: 0))): deactivate it instead")
        }
        try await tx.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).skus WHERE product = $1", binds: [product]))
        try await tx.query(PostgresQuery(unsafeSQL: "DELETE FROM \(s).products WHERE code = $1", binds: [product]))
    }

    // MARK: - Variants, prices, barcodes, translations

    public func setVariants(_ command: CatalogCommand.SetVariants, in tx: PostgresTransaction) async throws -> CatalogResult.Variants {
        if let price = command.price { try ProductRules.price(price) }
        guard
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT 1 FROM \(s).products WHERE code = $1 FOR UPDATE", binds: [command.product])
            ).first != nil
        else { throw CommandRefused("unknown-product", "no product \(command.product)") }
        let variants: [Variant]
        do {
            variants = try VariantGenerator.variants(
                base: command.product, attributes: command.attributes.map { VariantAttribute(name: $0.name, values: $0.values) },
                overrides: command.overrides)
        } catch {
            throw CommandRefused("validation", error.description)
        }
        for variant in variants { try ProductRules.code(variant.code, "SKU code") }
        let codes = variants.map(\.code)
        let taken = try await tx.query(
            PostgresQuery(
                unsafeSQL: "SELECT code, product FROM \(s).skus WHERE code = ANY($1) AND product <> $2", binds: [codes, command.product]))
        if let clash = taken.first {
            throw CommandRefused(
                "duplicate-sku", "SKU code \(try clash.decode(String.self, at: 0)) belongs to product \(try clash.decode(String.self, at: 1))")
        }
        let existing = Set(
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT code FROM \(s).skus WHERE product = $1", binds: [command.product])
            ).map { try $0.decode(String.self, at: 0) })
        var created: [String] = [], kept: [String] = []
        for variant in variants {
            let options = Dictionary(variant.options.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
            let json = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
            if existing.contains(variant.code) {
                kept.append(variant.code)
                try await tx.query(
                    PostgresQuery(
                        unsafeSQL: "UPDATE \(s).skus SET options = $2::jsonb, active = true WHERE code = $1", binds: [variant.code, json]))
            } else {
                created.append(variant.code)
                try await tx.query(
                    """
                    INSERT INTO \(identifier: schema).skus (code, product, options, price_minor, currency)
                    VALUES (\(variant.code), \(command.product), \(json)::jsonb, \(command.price?.minorUnits), \(command.price?.currency.code))
                    """)
            }
        }
        let gone = existing.subtracting(codes).sorted()
        if !gone.isEmpty {
            try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).skus SET active = false WHERE code = ANY($1)", binds: [gone]))
        }
        let attributes = String(decoding: try JSONEncoder().encode(command.attributes), as: UTF8.self)
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).products SET attributes = $2::jsonb, updated_at = now() WHERE code = $1",
                binds: [command.product, attributes]))
        return CatalogResult.Variants(product: command.product, created: created, kept: kept, deactivated: gone)
    }

    public func setPrice(sku: String, price: Money, in tx: PostgresTransaction) async throws {
        try ProductRules.price(price)
        let updated = try await tx.query(
            PostgresQuery(
                unsafeSQL: "UPDATE \(s).skus SET price_minor = $2, currency = $3 WHERE code = $1",
                binds: [sku, price.minorUnits, price.currency.code]))
        guard updated.affectedRows == 1 else { throw CommandRefused("unknown-sku", "no SKU \(sku)") }
    }

    public func setBarcode(sku: String, barcode: String?, in tx: PostgresTransaction) async throws {
        let barcode = try barcode.map { code throws(CommandRefused) in try ProductRules.barcode(code) }
        try await requireFreeBarcode(barcode, for: sku, in: tx)
        let updated = try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).skus SET barcode = $2 WHERE code = $1", binds: [sku, barcode]))
        guard updated.affectedRows == 1 else { throw CommandRefused("unknown-sku", "no SKU \(sku)") }
    }

    public func setTranslation(_ command: CatalogCommand.SetTranslation, in tx: PostgresTransaction) async throws {
        let locale = try ProductRules.locale(command.locale)
        let title = command.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw CommandRefused("validation", "a translation needs a title") }
        guard try await tx.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(s).products WHERE code = $1", binds: [command.product])).first != nil
        else { throw CommandRefused("unknown-product", "no product \(command.product)") }
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(s).translations (product, locale, title, description) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (product, locale) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description
                    """, binds: [command.product, locale, title, command.description]))
    }

    /// Marks SKUs as sold (from inventory's issue events); unknown codes are ignored.
    public func markSold(skus: [String], in tx: PostgresTransaction) async throws {
        try await tx.query(PostgresQuery(unsafeSQL: "UPDATE \(s).skus SET sold = true WHERE code = ANY($1) AND NOT sold", binds: [skus]))
    }

    // MARK: - Reading

    public func productEvent(_ code: String, in tx: PostgresTransaction) async throws -> CatalogEvent.ProductChanged {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT title, category, tax_category, array_to_string(tags, chr(31)) AS tags, active FROM \(s).products WHERE code = $1",
                    binds: [code])
            ).first
        else { throw CommandRefused("unknown-product", "no product \(code)") }
        return CatalogEvent.ProductChanged(
            code: code, title: try row.decode(String.self, column: "title"), category: try row.decode(String?.self, column: "category"),
            taxCategory: try row.decode(String.self, column: "tax_category"),
            tags: try row.decode(String.self, column: "tags").split(separator: "\u{1F}").map(String.init),
            active: try row.decode(Bool.self, column: "active"))
    }

    /// The SKUs of a product as other services copy them.
    public func skuEvents(product: String, in tx: PostgresTransaction) async throws -> [CatalogEvent.SKUChanged] {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT k.code, k.options::text AS options, k.barcode, k.price_minor, k.currency, k.active, p.title, p.tax_category,
                           NOT ('final-sale' = ANY (p.tags)) AS returnable
                    FROM \(s).skus k JOIN \(s).products p ON p.code = k.product WHERE k.product = $1 ORDER BY k.code
                    """, binds: [product])
        ).map { row in
            let options = try JSONDecoder().decode([String: String].self, from: Data(try row.decode(String.self, column: "options").utf8))
            let price = try row.decode(Int64?.self, column: "price_minor").map {
                Money(minorUnits: $0, currency: try Currency(code: try row.decode(String.self, column: "currency")))
            }
            let title = try row.decode(String.self, column: "title")
            return CatalogEvent.SKUChanged(
                code: try row.decode(String.self, column: "code"), product: product,
                title: options.isEmpty ? title : "\(title) (\(options.sorted { $0.key < $1.key }.map(\.value).joined(separator: ", ")))",
                options: options, barcode: try row.decode(String?.self, column: "barcode"), price: price,
                taxCategory: try row.decode(String.self, column: "tax_category"), active: try row.decode(Bool.self, column: "active"),
                returnable: try row.decode(Bool.self, column: "returnable"))
        }
    }

    public func productCodes(in tx: PostgresTransaction) async throws -> [String] {
        try await tx.query(PostgresQuery(unsafeSQL: "SELECT code FROM \(s).products ORDER BY code")).map { try $0.decode(String.self, at: 0) }
    }

    public func productOfSKU(_ sku: String, in tx: PostgresTransaction) async throws -> String {
        guard let row = try await tx.query(PostgresQuery(unsafeSQL: "SELECT product FROM \(s).skus WHERE code = $1", binds: [sku])).first
        else { throw CommandRefused("unknown-sku", "no SKU \(sku)") }
        return try row.decode(String.self, at: 0)
    }
}
