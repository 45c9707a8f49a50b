/// Events the catalog service publishes on `erp.events`: what other services copy.
public enum CatalogEvent {
    public struct ProductChanged: Message, Equatable {
        public static let type: MessageType = "catalog.product.changed.v1"
        public var code: String
        public var title: String
        public var category: String?
        public var taxCategory: String
        public var tags: [String]
        public var active: Bool
        public init(code: String, title: String, category: String?, taxCategory: String, tags: [String], active: Bool) {
            (self.code, self.title, self.category, self.taxCategory, self.tags, self.active) = (code, title, category, taxCategory, tags, active)
        }
    }

    public struct ProductDeactivated: Message, Equatable {
        public static let type: MessageType = "catalog.product.deactivated.v1"
        public var code: String
        public init(code: String) { self.code = code }
    }

    public struct ProductDeleted: Message, Equatable {
        public static let type: MessageType = "catalog.product.deleted.v1"
        public var code: String
        public init(code: String) { self.code = code }
    }

    /// A SKU as other services copy it: code, names, price, tax category, active flag.
    public struct SKUChanged: Message, Equatable {
        public static let type: MessageType = "catalog.sku.changed.v1"
        public var code: String
        public var product: String
        public var title: String
        public var options: [String: String]
        public var barcode: String?
        public var price: Money?
        public var taxCategory: String
        public var active: Bool
        /// Whether customers may return it (false for a product tagged `final-sale`); absent means yes.
        public var returnable: Bool?
        public init(
            code: String, product: String, title: String, options: [String: String], barcode: String?, price: Money?, taxCategory: String,
            active: Bool, returnable: Bool? = nil
        ) {
            (self.code, self.product, self.title, self.options, self.barcode) = (code, product, title, options, barcode)
            (self.price, self.taxCategory, self.active, self.returnable) = (price, taxCategory, active, returnable)
        }
    }
}
