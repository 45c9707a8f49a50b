import Contracts
import Foundation
import Ingest
import Orders
import Testing

/// Messages a hostile or broken platform could send: each one is refused with a reason that
/// says what is wrong (and so quarantined by intake), and none of them traps.
@Suite struct HostileIntakeTests {
    static let configuration = IngestConfiguration()

    static func read(_ body: String, key: String = "platform.web.order.created", shop: String? = nil) -> IntakeRejection? {
        let message = IngestMessage(exchange: "erp.ingest", routingKey: key, messageID: nil, signature: nil, shopHeader: shop, body: Data(body.utf8))
        do {
            _ = try IntakeReading.read(message, configuration: configuration)
            return nil
        } catch {
            return error
        }
    }

    /// The issue's example with `change` applied to its text.
    static func example(_ old: String, _ new: String) -> String {
        precondition(OrderSamples.issueExample.contains(old), old)
        return OrderSamples.issueExample.replacingOccurrences(of: old, with: new)
    }

    static let unpaid = example(#""status": "paid", "method": "alipay", "amount": "198.00","#, #""status": "pending", "method": "alipay","#)

    @Test func theIssuesExampleIsTaken() {
        #expect(Self.read(OrderSamples.issueExample) == nil)
    }

    @Test func amountsThatOverflowWhenAddedAreRefusedAsOutOfRange() {
        let oneHugeLine = Self.unpaid
            .replacingOccurrences(of: #""unit_price": "99.00", "discount": "10.00""#, with: #""unit_price": "92233720368547758.07""#)
            .replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": 1"#)
            .replacingOccurrences(of: #""shipping_fee": "10.00""#, with: #""shipping_fee": "0.01""#)
        let twoLines = Self.unpaid.replacingOccurrences(
            of: #"[{"sku": "TEE-RED-M", "quantity": 2, "unit_price": "99.00", "discount": "10.00"}]"#,
            with:
                #"[{"sku": "A", "quantity": 1, "unit_price": "46116860184273879.04"}, {"sku": "B", "quantity": 1, "unit_price": "46116860184273879.04"}]"#
        )
        let tenTrillion = Self.unpaid
            .replacingOccurrences(of: #""unit_price": "99.00", "discount": "10.00""#, with: #""unit_price": "10000000000000.00""#)
            .replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": 1"#)
        for body in [oneHugeLine, twoLines, tenTrillion] {
            let rejection = Self.read(body)
            #expect(rejection?.code == "invalid", "\(String(describing: rejection))")
            #expect(rejection?.reason.contains("out of range") == true, "\(String(describing: rejection))")
        }
    }

    @Test func theLargestAmountIntakeTakesIsTaken() {
        let body = Self.unpaid
            .replacingOccurrences(of: #""unit_price": "99.00", "discount": "10.00""#, with: #""unit_price": "9999999990.00""#)
            .replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": 1"#)
        #expect(Self.read(body) == nil, "9,999,999,990.00 + 10.00 shipping is exactly the bound")
        let over = body.replacingOccurrences(of: #""shipping_fee": "10.00""#, with: #""shipping_fee": "10.01""#)
        #expect(Self.read(over)?.reason.contains("the order total") == true)
    }

    @Test(arguments: [
        (#""name": "张三", "email""#, #""name": "张\u0000三", "email""#, "customer.name"),
        (#""line1": "文三路 1 号""#, #""line1": "文三路\u00001 号""#, "shipping_address.line1"),
        (#""method": "alipay""#, #""method": "ali\u0000pay""#, "payment.method"),
        (#""sku": "TEE-RED-M""#, #""sku": "TEE\u0000-RED-M""#, "lines[0].sku"),
        (#""external_id": "SO-10001""#, #""external_id": "SO-10001\u0000OTHER""#, "external_id"),
    ])
    func aNULCharacterInAnyTextIsRefusedNamingTheField(old: String, new: String, field: String) {
        let rejection = Self.read(Self.example(old, new))
        #expect(rejection?.code == "invalid")
        #expect(rejection?.reason == "\(field) contains a NUL character (U+0000), which no text field may hold", "\(String(describing: rejection))")
    }

    @Test(arguments: [
        (#""quantity": 2"#, #""quantity": 2147483648"#, "out of range"),
        (#""quantity": 2"#, #""quantity": 1.0"#, "expected an integer"),
        (#""placed_at": "2026-11-28T10:15:00Z""#, #""placed_at": "0000-11-28T10:15:00Z""#, "placed_at"),
        (#""placed_at": "2026-11-28T10:15:00Z""#, #""placed_at": "2026-02-31T10:15:00Z""#, "of a day that exists"),
        (#""unit_price": "99.00""#, #""unit_price": "+99.00""#, "no sign"),
        (#""unit_price": "99.00""#, #""unit_price": "099.00""#, "no leading zeros"),
        (#""external_id": "SO-10001""#, #""externalId": "SO-10001""#, "unknown field 'externalId'"),
        (#""country": "CN""#, #""country": "ZZ""#, "not an ISO 3166-1 alpha-2"),
        (#""shop": "main""#, #""shop": "main", "shop": "other""#, "appears twice"),
    ])
    func intakeIsAsStrictAsItsSchema(old: String, new: String, expected: String) {
        let rejection = Self.read(Self.example(old, new))
        #expect(rejection?.reason.contains(expected) == true, "\(String(describing: rejection))")
    }

    @Test func aShopifyMessageWithoutItsShopIsRefused() {
        let rejection = Self.read(OrderSamples.shopify, key: "platform.shopify.order.created", shop: nil)
        #expect(rejection?.reason.contains("x-shopify-shop-domain") == true, "\(String(describing: rejection))")
        #expect(Self.read(OrderSamples.shopify, key: "platform.shopify.order.created", shop: "demo.myshopify.com") == nil)
    }

    @Test func aShopifyShippingTotalThatOverflowsIsRefused() {
        let body = OrderSamples.shopify.replacingOccurrences(
            of: #"[{"code": "Standard", "title": "Standard Shipping", "price": "5.00"}]"#,
            with: #"[{"code": "A", "price": "92233720368547758.07"}, {"code": "B", "price": "92233720368547758.07"}]"#)
        let rejection = Self.read(body, key: "platform.shopify.order.created", shop: "demo.myshopify.com")
        #expect(rejection?.code == "invalid", "\(String(describing: rejection))")
    }

    /// Lengths count code points: one letter with thousands of combining marks is long, and
    /// would overflow an index row if it were taken.
    @Test func textLongInCodePointsIsRefusedWhateverItLooksLike() {
        let marks = "a" + String(repeating: "\u{0301}", count: 3_000)
        let rejection = Self.read(Self.example(#""external_id": "SO-10001""#, "\"external_id\": \"\(marks)\""))
        #expect(rejection?.reason.contains("external_id is 3001 characters long") == true, "\(String(describing: rejection))")
        let shopify = OrderSamples.shopify.replacingOccurrences(of: #""sku": "MUG-CLASSIC""#, with: "\"sku\": \"\(marks)\"")
        let long = Self.read(shopify, key: "platform.shopify.order.created", shop: "demo.myshopify.com")
        #expect(long?.reason.contains("lines[0].sku is 3001 characters long") == true, "\(String(describing: long))")
    }

    @Test func aNULInTheRoutingKeyIsABadRoutingKey() {
        let rejection = Self.read(OrderSamples.issueExample, key: "platform.web.order.created\u{0}")
        #expect(rejection?.code == "bad-routing-key")
        #expect(PrintableText.of("platform.web.order.created\u{0}") == "platform.web.order.created\\u0000")
    }
}
