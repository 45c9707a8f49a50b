/// The canonical order format that external platforms publish to `erp.ingest` with routing
/// key `platform.<platform>.order.<event>` (`created`, `updated`, `paid`, `cancelled`).
/// Amounts are decimal strings in the currency's major unit; times are ISO 8601. The JSON
/// Schema of this format is `canonical-order.schema.json` beside this file. This is what
/// arrives; the orders service validates it into an order.
public struct CanonicalOrder: Codable, Sendable, Equatable {
    public var platform: String
    public var shop: String
    public var externalId: String
    public var revision: Int?
    public var placedAt: String
    public var currency: String
    public var pricesIncludeTax: Bool?
    public var customer: Customer?
    public var shippingAddress: Address?
    public var lines: [Line]
    public var shippingFee: String?
    public var shippingMethod: String?
    public var payment: Payment?
    public var note: String?

    public struct Customer: Codable, Sendable, Equatable {
        public var externalId: String?
        public var name: String?
        public var email: String?
        public var phone: String?
        public init(externalId: String? = nil, name: String? = nil, email: String? = nil, phone: String? = nil) {
            (self.externalId, self.name, self.email, self.phone) = (externalId, name, email, phone)
        }
    }

    public struct Address: Codable, Sendable, Equatable {
        public var name: String?
        public var phone: String?
        public var country: String
        public var province: String?
        public var city: String?
        public var district: String?
        public var line1: String
        public var line2: String?
        public var postalCode: String?
        public init(
            name: String? = nil, phone: String? = nil, country: String, province: String? = nil, city: String? = nil,
            district: String? = nil, line1: String, line2: String? = nil, postalCode: String? = nil
        ) {
            (self.name, self.phone, self.country, self.province, self.city) = (name, phone, country, province, city)
            (self.district, self.line1, self.line2, self.postalCode) = (district, line1, line2, postalCode)
        }
    }

    public struct Line: Codable, Sendable, Equatable {
        public var sku: String
        public var quantity: Int
        public var unitPrice: String
        public var discount: String?
        public var title: String?
        public init(sku: String, quantity: Int, unitPrice: String, discount: String? = nil, title: String? = nil) {
            (self.sku, self.quantity, self.unitPrice, self.discount, self.title) = (sku, quantity, unitPrice, discount, title)
        }
    }

    public struct Payment: Codable, Sendable, Equatable {
        /// `pending`, `paid` or `refunded`.
        public var status: String
        public var method: String?
        public var amount: String?
        public var paidAt: String?
        public var transactionId: String?
        public init(status: String, method: String? = nil, amount: String? = nil, paidAt: String? = nil, transactionId: String? = nil) {
            (self.status, self.method, self.amount, self.paidAt, self.transactionId) = (status, method, amount, paidAt, transactionId)
        }
    }

    public init(
        platform: String, shop: String, externalId: String, revision: Int? = nil, placedAt: String, currency: String,
        pricesIncludeTax: Bool? = true, customer: Customer? = nil, shippingAddress: Address? = nil, lines: [Line],
        shippingFee: String? = nil, shippingMethod: String? = nil, payment: Payment? = nil, note: String? = nil
    ) {
        (self.platform, self.shop, self.externalId, self.revision, self.placedAt) = (platform, shop, externalId, revision, placedAt)
        (self.currency, self.pricesIncludeTax, self.customer, self.shippingAddress) = (currency, pricesIncludeTax, customer, shippingAddress)
        (self.lines, self.shippingFee, self.shippingMethod, self.payment, self.note) = (lines, shippingFee, shippingMethod, payment, note)
    }
}
