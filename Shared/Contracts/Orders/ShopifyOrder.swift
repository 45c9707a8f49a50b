/// The fields of Shopify's order JSON (as its `orders/create`, `orders/updated`,
/// `orders/paid` and `orders/cancelled` webhooks send it) that the orders service maps onto
/// an order. Shopify sends amounts as decimal strings and ids as integers; fields not listed
/// here are ignored. Published under `platform.shopify.order.<event>`; the shop is the
/// `x-shopify-shop-domain` header.
public struct ShopifyOrder: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String?
    public var email: String?
    public var phone: String?
    public var createdAt: String
    public var updatedAt: String?
    public var cancelledAt: String?
    public var processedAt: String?
    public var currency: String
    public var taxesIncluded: Bool?
    public var financialStatus: String?
    public var totalPrice: String?
    public var note: String?
    public var gateway: String?
    public var customer: Customer?
    public var shippingAddress: Address?
    public var lineItems: [LineItem]
    public var shippingLines: [ShippingLine]?

    public struct Customer: Codable, Sendable, Equatable {
        public var id: Int64?
        public var email: String?
        public var phone: String?
        public var firstName: String?
        public var lastName: String?
        public init(id: Int64? = nil, email: String? = nil, phone: String? = nil, firstName: String? = nil, lastName: String? = nil) {
            (self.id, self.email, self.phone, self.firstName, self.lastName) = (id, email, phone, firstName, lastName)
        }
    }

    public struct Address: Codable, Sendable, Equatable {
        public var name: String?
        public var firstName: String?
        public var lastName: String?
        public var phone: String?
        public var address1: String?
        public var address2: String?
        public var city: String?
        public var province: String?
        public var countryCode: String?
        public var zip: String?
        public init(
            name: String? = nil, firstName: String? = nil, lastName: String? = nil, phone: String? = nil, address1: String? = nil,
            address2: String? = nil, city: String? = nil, province: String? = nil, countryCode: String? = nil, zip: String? = nil
        ) {
            (self.name, self.firstName, self.lastName, self.phone, self.address1) = (name, firstName, lastName, phone, address1)
            (self.address2, self.city, self.province, self.countryCode, self.zip) = (address2, city, province, countryCode, zip)
        }
    }

    public struct LineItem: Codable, Sendable, Equatable {
        public var id: Int64?
        public var sku: String?
        public var title: String?
        public var quantity: Int
        public var price: String
        public var totalDiscount: String?
        public init(id: Int64? = nil, sku: String?, title: String? = nil, quantity: Int, price: String, totalDiscount: String? = nil) {
            (self.id, self.sku, self.title, self.quantity, self.price, self.totalDiscount) = (id, sku, title, quantity, price, totalDiscount)
        }
    }

    public struct ShippingLine: Codable, Sendable, Equatable {
        public var code: String?
        public var title: String?
        public var price: String
        public init(code: String? = nil, title: String? = nil, price: String) { (self.code, self.title, self.price) = (code, title, price) }
    }

    public init(
        id: Int64, name: String? = nil, email: String? = nil, phone: String? = nil, createdAt: String, updatedAt: String? = nil,
        cancelledAt: String? = nil, processedAt: String? = nil, currency: String, taxesIncluded: Bool? = nil, financialStatus: String? = nil,
        totalPrice: String? = nil, note: String? = nil, gateway: String? = nil, customer: Customer? = nil, shippingAddress: Address? = nil,
        lineItems: [LineItem], shippingLines: [ShippingLine]? = nil
    ) {
        (self.id, self.name, self.email, self.phone, self.createdAt, self.updatedAt) = (id, name, email, phone, createdAt, updatedAt)
        (self.cancelledAt, self.processedAt, self.currency, self.taxesIncluded) = (cancelledAt, processedAt, currency, taxesIncluded)
        (self.financialStatus, self.totalPrice, self.note, self.gateway, self.customer) = (financialStatus, totalPrice, note, gateway, customer)
        (self.shippingAddress, self.lineItems, self.shippingLines) = (shippingAddress, lineItems, shippingLines)
    }
}
