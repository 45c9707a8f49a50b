/// Commands the catalog service takes on `erp.commands` (routing key = type), answered
/// with a ``CommandOutcome`` when they carry a `reply_to`.
public enum CatalogCommand {
    public struct CreateCategory: Message, Equatable {
        public static let type: MessageType = "catalog.create_category.v1"
        public var code: String
        public var name: String
        public var parent: String?
        public init(code: String, name: String, parent: String? = nil) { (self.code, self.name, self.parent) = (code, name, parent) }
    }

    /// Moves a category under another (nil: to the root). A move into its own subtree is refused.
    public struct MoveCategory: Message, Equatable {
        public static let type: MessageType = "catalog.move_category.v1"
        public var code: String
        public var parent: String?
        public init(code: String, parent: String?) { (self.code, self.parent) = (code, parent) }
    }

    public struct RenameCategory: Message, Equatable {
        public static let type: MessageType = "catalog.rename_category.v1"
        public var code: String
        public var name: String
        public init(code: String, name: String) { (self.code, self.name) = (code, name) }
    }

    /// What a product is, as created, updated or imported. Title and description are in the
    /// shop's fallback locale; other locales come with ``SetTranslation``. A `price` makes
    /// a simple product: one SKU whose code is the product code (until variants replace it).
    public struct ProductDraft: Codable, Sendable, Equatable {
        public var code: String
        public var title: String
        public var description: String
        public var category: String?
        public var taxCategory: String
        public var tags: [String]
        public var images: [String]
        public var price: Money?
        public var barcode: String?
        /// Descriptive attributes (material, brand, ...: any name and value); absent: left as they are.
        public var details: [String: String]?
        /// Titles and descriptions in other locales; absent: left as they are.
        public var translations: [Translation]?
        public init(
            code: String, title: String, description: String = "", category: String? = nil, taxCategory: String = "standard",
            tags: [String] = [], images: [String] = [], price: Money? = nil, barcode: String? = nil, details: [String: String]? = nil,
            translations: [Translation]? = nil
        ) {
            (self.code, self.title, self.description, self.category, self.taxCategory) = (code, title, description, category, taxCategory)
            (self.tags, self.images, self.price, self.barcode) = (tags, images, price, barcode)
            (self.details, self.translations) = (details, translations)
        }
    }

    public struct Translation: Codable, Sendable, Equatable {
        public var locale: String
        public var title: String
        public var description: String
        public init(locale: String, title: String, description: String = "") {
            (self.locale, self.title, self.description) = (locale, title, description)
        }
    }

    /// Sets and removes a product's descriptive attributes (material, brand, ...), which
    /// `catalog search --attribute name=value` finds it by.
    public struct SetProductDetails: Message, Equatable {
        public static let type: MessageType = "catalog.set_product_details.v1"
        public var product: String
        public var set: [String: String]
        public var remove: [String]
        public init(product: String, set: [String: String], remove: [String] = []) { (self.product, self.set, self.remove) = (product, set, remove) }
    }

    public struct CreateProduct: Message, Equatable {
        public static let type: MessageType = "catalog.create_product.v1"
        public var product: ProductDraft
        public init(product: ProductDraft) { self.product = product }
    }

    /// Replaces a product's description fields (not its SKUs' prices: see ``SetPrice``).
    public struct UpdateProduct: Message, Equatable {
        public static let type: MessageType = "catalog.update_product.v1"
        public var product: ProductDraft
        public init(product: ProductDraft) { self.product = product }
    }

    /// Takes a product and its SKUs off sale; they stay in the catalog (and in history).
    public struct DeactivateProduct: Message, Equatable {
        public static let type: MessageType = "catalog.deactivate_product.v1"
        public var code: String
        public init(code: String) { self.code = code }
    }

    /// Deletes a product that was never sold; a sold one can only be deactivated.
    public struct DeleteProduct: Message, Equatable {
        public static let type: MessageType = "catalog.delete_product.v1"
        public var code: String
        public init(code: String) { self.code = code }
    }

    public struct Attribute: Codable, Sendable, Equatable {
        public var name: String
        public var values: [String]
        public init(name: String, values: [String]) { (self.name, self.values) = (name, values) }
    }

    /// Sets a product's attributes and generates one SKU per combination of values, with
    /// deterministic codes (`<PRODUCT>-<VALUE>-<VALUE>`) unless `overrides` names one for a
    /// combination (key: values joined by `/`, e.g. `Red/M`). SKUs of earlier combinations
    /// that are gone are deactivated. `price` applies to new SKUs.
    public struct SetVariants: Message, Equatable {
        public static let type: MessageType = "catalog.set_variants.v1"
        public var product: String
        public var attributes: [Attribute]
        public var overrides: [String: String]
        public var price: Money?
        public init(product: String, attributes: [Attribute], overrides: [String: String] = [:], price: Money? = nil) {
            (self.product, self.attributes, self.overrides, self.price) = (product, attributes, overrides, price)
        }
    }

    public struct SetPrice: Message, Equatable {
        public static let type: MessageType = "catalog.set_price.v1"
        public var sku: String
        public var price: Money
        public init(sku: String, price: Money) { (self.sku, self.price) = (sku, price) }
    }

    public struct SetBarcode: Message, Equatable {
        public static let type: MessageType = "catalog.set_barcode.v1"
        public var sku: String
        public var barcode: String?
        public init(sku: String, barcode: String?) { (self.sku, self.barcode) = (sku, barcode) }
    }

    public struct SetTranslation: Message, Equatable {
        public static let type: MessageType = "catalog.set_translation.v1"
        public var product: String
        public var locale: String
        public var title: String
        public var description: String
        public init(product: String, locale: String, title: String, description: String = "") {
            (self.product, self.locale, self.title, self.description) = (product, locale, title, description)
        }
    }

    /// Publishes `catalog.sku.changed.v1` again for every SKU, so that a service that started
    /// copying the catalog later (or lost its copy) gets all of it.
    public struct RepublishSKUs: Message, Equatable {
        public static let type: MessageType = "catalog.republish_skus.v1"
        public init() {}
    }

    /// One row of an import file, with the line it came from.
    public struct ImportRow: Codable, Sendable, Equatable {
        public var line: Int
        public var product: ProductDraft
        public init(line: Int, product: ProductDraft) { (self.line, self.product) = (line, product) }
    }

    /// Creates or updates many products. Each row is applied on its own (a bad row is
    /// reported with its line, the others are kept) unless `atomic`, when one bad row
    /// refuses them all.
    public struct ImportProducts: Message, Equatable {
        public static let type: MessageType = "catalog.import_products.v1"
        public var rows: [ImportRow]
        public var atomic: Bool
        public init(rows: [ImportRow], atomic: Bool) { (self.rows, self.atomic) = (rows, atomic) }
    }
}

/// What `done` outcomes of catalog commands carry.
public enum CatalogResult {
    public struct Product: Codable, Sendable, Equatable {
        public var code: String
        public var active: Bool
        public var skus: [String]
        public init(code: String, active: Bool, skus: [String]) { (self.code, self.active, self.skus) = (code, active, skus) }
    }

    public struct Variants: Codable, Sendable, Equatable {
        public var product: String
        public var created: [String]
        public var kept: [String]
        public var deactivated: [String]
        public init(product: String, created: [String], kept: [String], deactivated: [String]) {
            (self.product, self.created, self.kept, self.deactivated) = (product, created, kept, deactivated)
        }
    }

    public struct RowError: Codable, Sendable, Equatable {
        public var line: Int
        public var code: String
        public var reason: String
        public init(line: Int, code: String, reason: String) { (self.line, self.code, self.reason) = (line, code, reason) }
    }

    public struct Imported: Codable, Sendable, Equatable {
        public var created: Int
        public var updated: Int
        public var failed: [RowError]
        public init(created: Int, updated: Int, failed: [RowError]) { (self.created, self.updated, self.failed) = (created, updated, failed) }
    }

    public struct Done: Codable, Sendable, Equatable {
        public init() {}
    }

    public struct Republished: Codable, Sendable, Equatable {
        public var skus: Int
        public init(skus: Int) { self.skus = skus }
    }
}
