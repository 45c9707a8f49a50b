import Contracts
import Foundation
import Ingest
import Orders
import ServiceKit
import Testing

@Suite struct IntakeValidationTests {
    static let key = try! IngestRoutingKey("platform.web.order.created")

    static func validate(_ order: CanonicalOrder, key: IngestRoutingKey = key) throws(IntakeRejection) -> IntakeOrder {
        try IntakeValidation.validate(order, key: key)
    }

    @Test func theIssuesExampleIsAPaidOrderOf198() throws {
        let order = try MessageCoding.decoder().decode(CanonicalOrder.self, from: Data(OrderSamples.issueExample.utf8))
        let intake = try Self.validate(order)
        #expect(intake.total == Money(minorUnits: 19_800, currency: .cny))
        #expect(intake.lines[0].total == Money(minorUnits: 18_800, currency: .cny))
        #expect(intake.initialStatus == .paid)
        #expect(intake.revision == 1)
    }

    @Test func aMissingRevisionCountsAsOne() throws {
        #expect(try Self.validate(OrderSamples.canonical(revision: nil)).revision == 1)
    }

    @Test func everyKindOfBadOrderIsRejectedWithItsReason() {
        func code(_ change: (inout CanonicalOrder) -> Void) -> String? {
            var order = OrderSamples.canonical()
            change(&order)
            do {
                _ = try Self.validate(order)
                return nil
            } catch { return "\(error.code): \(error.reason)" }
        }
        let zeroQuantityRefused = code { $0.lines[0].quantity = 0 }?.contains("quantity 0 must be at least 1") == true
        #expect(zeroQuantityRefused)
        let threeDecimalPriceRefused = code { $0.lines[0].unitPrice = "99.001" }?.contains("more than 2 decimals") == true
        #expect(threeDecimalPriceRefused)
        let nonNumericPriceRefused = code { $0.lines[0].unitPrice = "ninety" }?.hasPrefix("invalid:") == true
        #expect(nonNumericPriceRefused)
        let oversizedDiscountRefused = code { $0.lines[0].discount = "500.00" }?.contains("discount 500.00 is more than") == true
        #expect(oversizedDiscountRefused)
        let noLinesRefused = code { $0.lines = [] }?.contains("at least one line") == true
        #expect(noLinesRefused)
        let unknownCurrencyRefused = code { $0.currency = "XYZ" }?.contains("XYZ") == true
        #expect(unknownCurrencyRefused)
        let badPlacedAtRefused = code { $0.placedAt = "yesterday" }?.contains("placed_at") == true
        #expect(badPlacedAtRefused)
        let paymentAmountMismatchRefused = code { $0.payment?.amount = "1.00" }?.hasPrefix("amount-mismatch") == true
        #expect(paymentAmountMismatchRefused)
        let missingPaymentAmountRefused = code { $0.payment?.amount = nil }?.contains("needs payment.amount") == true
        #expect(missingPaymentAmountRefused)
        let unknownPaymentStatusRefused = code { $0.payment?.status = "maybe" }?.contains("payment.status") == true
        #expect(unknownPaymentStatusRefused)
        let negativeShippingFeeRefused = code { $0.shippingFee = "-1.00" }?.contains("is not an amount") == true
        #expect(negativeShippingFeeRefused)
        let revisionZeroRefused = code { $0.revision = 0 }?.contains("revision") == true
        #expect(revisionZeroRefused)
        let nonISOCountryRefused = code { $0.shippingAddress?.country = "China" }?.contains("ISO 3166") == true
        #expect(nonISOCountryRefused)
        let platformMismatchRefused = code { $0.platform = "shop2" }?.hasPrefix("platform-mismatch") == true
        #expect(platformMismatchRefused)
    }

    @Test func routingKeysMustNamePlatformAndEvent() throws {
        #expect(throws: IntakeRejection.self) { try IngestRoutingKey("platform.web.order") }
        #expect(throws: IntakeRejection.self) { try IngestRoutingKey("platform.web.order.shipped") }
        #expect(throws: IntakeRejection.self) { try IngestRoutingKey("orders.web.order.created") }
        #expect(try IngestRoutingKey("platform.shopify.order.paid") == IngestRoutingKey("platform.shopify.order.paid"))
    }

    @Test func isoDateTimesWithZonesAndFractionsParse() {
        #expect(ISODateTime.parse("2026-11-28T10:15:00Z")?.timeIntervalSince1970 == 1_795_860_900)
        #expect(ISODateTime.parse("2026-11-28T18:15:00+08:00")?.timeIntervalSince1970 == 1_795_860_900)
        #expect(ISODateTime.parse("2026-11-28T05:15:00.500-05:00")?.timeIntervalSince1970 == 1_795_860_900.5)
        #expect(ISODateTime.parse("2026-11-28 10:15") == nil)
        #expect(ISODateTime.parse("2026-13-28T10:15:00Z") == nil)
    }

    @Test func shopifyOrdersMapOntoTheCanonicalOrder() throws {
        let shopify = try MessageCoding.decoder().decode(ShopifyOrder.self, from: Data(OrderSamples.shopify.utf8))
        let canonical = try ShopifyMapping.canonical(shopify, shop: "demo.myshopify.com")
        #expect(canonical.externalId == "820982911946154508")
        #expect(canonical.shop == "demo.myshopify.com")
        #expect(canonical.shippingAddress?.country == "CA")
        #expect(canonical.customer?.name == "Jon Snow")
        let intake = try IntakeValidation.validate(canonical, key: try IngestRoutingKey("platform.shopify.order.created"))
        #expect(intake.total == Money(minorUnits: 4_400, currency: try Currency(code: "USD")), "2 × 12 − 5 + 20 + 5 shipping")
        #expect(intake.initialStatus == .paid)
        #expect(intake.pricesIncludeTax == false)
        #expect(intake.shippingMethod == "Standard")
        let later = try ShopifyMapping.canonical(
            {
                var order = shopify; order.updatedAt = "2026-11-28T12:05:00-05:00"; return order
            }(), shop: "demo.myshopify.com")
        #expect(later.revision! > canonical.revision!, "a later updated_at is a higher revision")
    }

    @Test func aSignatureIsCheckedOnlyForPlatformsWithASecret() throws {
        let configuration = IngestConfiguration(secrets: ["web": "s3cret"])
        let body = Data("{}".utf8)
        func message(_ signature: String?) -> IngestMessage {
            IngestMessage(
                exchange: "erp.ingest", routingKey: "platform.web.order.created", messageID: nil, signature: signature, shopHeader: nil, body: body)
        }
        try configuration.verify(message(IngestConfiguration.signature(of: body, secret: "s3cret")), platform: "web")
        #expect(throws: IntakeRejection.self) { try configuration.verify(message(nil), platform: "web") }
        #expect(throws: IntakeRejection.self) {
            try configuration.verify(message(IngestConfiguration.signature(of: body, secret: "other")), platform: "web")
        }
        #expect(throws: IntakeRejection.self) { try configuration.verify(message("not base64!"), platform: "web") }
        try configuration.verify(message(nil), platform: "generic")
        let environment = try IngestConfiguration(environment: ["ERP_INGEST_SECRET_MY_SHOP": "k", "ERP_INGEST_GENERIC_PLATFORMS": "web, my-shop"])
        #expect(environment.secrets == ["my-shop": "k"])
        #expect(environment.format(of: "my-shop") == .canonical)
        #expect(environment.format(of: "nope") == nil)
    }

    /// A platform's signing secret may come from a file (Docker secrets); one that cannot be
    /// read, is empty or is also given directly stops the service rather than take the
    /// platform's messages unsigned.
    @Test func aSigningSecretComesFromAFileOrStopsTheServiceByName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("erp-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = directory.appendingPathComponent("shop").path
        try "from-file\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let empty = directory.appendingPathComponent("empty").path
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        let configuration = try IngestConfiguration(environment: ["ERP_INGEST_SECRET_MY_SHOP_FILE": secret])
        #expect(configuration.secrets == ["my-shop": "from-file"])
        let refused: [([String: String], String)] = [
            (["ERP_INGEST_SECRET_WEB_FILE": directory.appendingPathComponent("missing").path], "ERP_INGEST_SECRET_WEB_FILE"),
            (["ERP_INGEST_SECRET_WEB_FILE": empty], "ERP_INGEST_SECRET_WEB_FILE"),
            (["ERP_INGEST_SECRET_WEB": "k", "ERP_INGEST_SECRET_WEB_FILE": secret], "ERP_INGEST_SECRET_WEB_FILE"),
        ]
        for (environment, variable) in refused {
            #expect {
                _ = try IngestConfiguration(environment: environment)
            } throws: { error in
                (error as? ConfigurationError)?.variable == variable
            }
        }
    }
}

@Suite struct OrderStatusTests {
    @Test func anOrderMovesOnlyAlongItsTransitions() throws {
        #expect(try OrderStatus.pendingPayment.moving(to: .paid) == .paid)
        #expect(throws: OrderTransitionError(from: .shipped, to: .cancelled)) { try OrderStatus.shipped.moving(to: .cancelled) }
        #expect(throws: OrderTransitionError.self) { try OrderStatus.cancelled.moving(to: .paid) }
        #expect(OrderStatus.cancelled.isFinal && OrderStatus.split.isFinal && OrderStatus.merged.isFinal)
        #expect(!OrderStatus.delivered.isFinal)
    }

    @Test func everyStateCanBeReachedFromANewOrder() {
        var reached: Set<OrderStatus> = [.pendingPayment]
        var frontier: [OrderStatus] = [.pendingPayment]
        while let state = frontier.popLast() {
            for next in OrderStatus.transitions[state, default: []] where reached.insert(next).inserted { frontier.append(next) }
        }
        #expect(reached == Set(OrderStatus.allCases))
    }

    @Test func changesAreAllowedOnlyWhereTheyAreSafe() {
        #expect(OrderStatus.paid.allowsShippingChanges && !OrderStatus.shipped.allowsShippingChanges)
        #expect(OrderStatus.pendingPayment.allowsLineChanges && !OrderStatus.paid.allowsLineChanges)
    }

    @Test func anIllegalTransitionSaysWhatIsAllowed() {
        #expect(
            OrderTransitionError(from: .shipped, to: .cancelled).description
                == "an order that is shipped cannot become cancelled (it can become delivered, return_requested)")
    }
}

/// Platform return requests: every kind of bad one is refused with its reason (and quarantined by intake).
@Suite struct PlatformReturnTests {
    static func message(_ body: String, key: String = "platform.web.return.requested") -> IngestMessage {
        IngestMessage(exchange: "erp.ingest", routingKey: key, messageID: nil, signature: nil, shopHeader: nil, body: Data(body.utf8))
    }

    @Test func aGoodRequestIsRead() throws {
        let (platform, request, kind) = try PlatformReturn.read(
            Self.message(#"{"shop":"main","external_id":"SO-1","return_id":"R-1","lines":[{"sku":"TEE","quantity":1}],"kind":"refund_only"}"#),
            configuration: IngestConfiguration())
        #expect(platform == "web" && request.returnId == "R-1" && kind == .refundOnly)
    }

    @Test(arguments: [
        ("platform.web.return.approved", #"{}"#, "bad-routing-key"),
        ("platform.nope.return.requested", #"{}"#, "unknown-platform"),
        ("platform.web.return.requested", "not json", "undecodable"),
        ("platform.web.return.requested", #"{"shop":"main","external_id":"","return_id":"R","lines":[{"sku":"T","quantity":1}]}"#, "invalid"),
        ("platform.web.return.requested", #"{"shop":"main","external_id":"SO","return_id":"R","lines":[]}"#, "invalid"),
        ("platform.web.return.requested", #"{"shop":"main","external_id":"SO","return_id":"R","lines":[{"sku":"T","quantity":0}]}"#, "invalid"),
        (
            "platform.web.return.requested", #"{"shop":"main","external_id":"SO","return_id":"R","lines":[{"sku":"T","quantity":1}],"kind":"swap"}"#,
            "invalid"
        ),
    ])
    func aBadRequestIsRefusedWithItsCode(key: String, body: String, code: String) {
        do {
            _ = try PlatformReturn.read(Self.message(body, key: key), configuration: IngestConfiguration())
            Issue.record("\(key) \(body) was taken")
        } catch {
            #expect(error.code == code, "\(error)")
        }
    }
}
