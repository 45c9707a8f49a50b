import Contracts
import Foundation
import TestSupport

/// Orders as platforms send them, for the tests.
enum OrderSamples {
    static func canonical(
        _ externalID: String = "SO-10001", platform: String = "web", revision: Int? = 1, sku: String = "TEE-RED-M", quantity: Int = 2,
        paid: Bool = true
    ) -> CanonicalOrder {
        CanonicalOrder(
            platform: platform, shop: "main", externalId: externalID, revision: revision, placedAt: "2026-11-28T10:15:00Z", currency: "CNY",
            pricesIncludeTax: true,
            customer: .init(externalId: "c-1", name: "张三", email: "z@example.com", phone: "+8613800000000"),
            shippingAddress: .init(
                name: "张三", phone: "+8613800000000", country: "CN", province: "浙江省", city: "杭州市", district: "西湖区", line1: "文三路 1 号",
                postalCode: "310000"),
            lines: [.init(sku: sku, quantity: quantity, unitPrice: "99.00", discount: "10.00")],
            shippingFee: "10.00", shippingMethod: "standard",
            payment: paid
                ? .init(
                    status: "paid", method: "alipay", amount: String(format: "%.2f", Double(quantity) * 99 - 10 + 10), paidAt: "2026-11-28T10:16:00Z",
                    transactionId: "T1")
                : .init(status: "pending"),
            note: "")
    }

    static func json(_ order: CanonicalOrder) -> Data { try! MessageCoding.encoder().encode(order) }

    /// The example of the issue, byte for byte (the fuzz test's starting point too).
    static let issueExample = HostileBodies.base.replacingOccurrences(of: "{ID}", with: "SO-10001")

    /// A Shopify `orders/create` webhook body (fields as Shopify documents them).
    static let shopify = #"""
        {"id": 820982911946154508, "name": "#1001", "email": "jon@example.com", "phone": null,
         "created_at": "2026-11-28T12:00:00-05:00", "updated_at": "2026-11-28T12:00:05-05:00",
         "processed_at": "2026-11-28T12:00:00-05:00", "cancelled_at": null, "currency": "USD", "taxes_included": false,
         "financial_status": "paid", "total_price": "44.00", "subtotal_price": "39.00", "total_discounts": "5.00",
         "gateway": "shopify_payments", "note": "gift wrap",
         "customer": {"id": 115310627314723954, "email": "jon@example.com", "first_name": "Jon", "last_name": "Snow", "phone": "+15550100"},
         "shipping_address": {"first_name": "Jon", "last_name": "Snow", "name": "Jon Snow", "address1": "123 Main St", "address2": "",
                              "city": "Ottawa", "province": "Ontario", "country": "Canada", "country_code": "CA", "zip": "K2P 1L4", "phone": "+15550100"},
         "line_items": [{"id": 466157049, "sku": "MUG-CLASSIC", "title": "Classic mug", "quantity": 2, "price": "12.00", "total_discount": "5.00"},
                        {"id": 518995019, "sku": "TEA-OOLONG", "title": "Oolong", "quantity": 1, "price": "20.00", "total_discount": "0.00"}],
         "shipping_lines": [{"code": "Standard", "title": "Standard Shipping", "price": "5.00"}]}
        """#
}
