import AMQP
import Contracts
import Foundation
import Ingest
import Messaging
import Orders
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// The platforms are told back on their own outbound queues: a parcel that left (Shopify in
/// its own shape), a cancellation the platform did not make itself; nothing for a platform
/// that is not told.
@Suite(.timeLimit(.minutes(6))) struct OutboundTests {
    typealias T = IntakeServiceTests

    static let configuration = OutboundConfiguration(
        platforms: ["web", "shopify"], trackingURLs: ["sf": "https://track.example.com/sf?no={number}"], shopifyLocations: ["SH": 905684977])

    /// The messages waiting in the test's `outbound.<platform>` once there are `count`.
    static func waiting(_ harness: ServiceHarness, _ platform: String, count: Int) async throws -> [AMQPDelivery] {
        var messages: [AMQPDelivery] = []
        _ = try await eventually {
            messages = try await QueuePeek.messages("\(harness.schema).outbound.\(platform)", broker: ServiceHarness.environment.broker)
            return messages.count >= count
        }
        return messages
    }

    @Test func aParcelThatLeftAndAnOperatorsCancellationAreToldToThePlatformButNotItsOwnCancellation() async throws {
        try await T.withOrders(outbound: Self.configuration) { harness async throws in
            let shipped = try await OrderCommandTests.placed(harness, "OUT-1", paid: true)
            try await ShipmentTests.allocate(harness, shipped, [(1, "SH", 2)])
            #expect(try await ShipmentTests.ship(harness, shipped, "S1", [(1, 2)], tracking: "SF 123").status == .done)
            // The platform cancels one order itself (not echoed back), an operator another.
            let byPlatform = try await OrderCommandTests.placed(harness, "OUT-2", paid: false)
            let cancel = OrderSamples.canonical("OUT-2", revision: 2, paid: false)
            try await T.ingest(harness, "platform.web.order.cancelled", OrderSamples.json(cancel))
            let platformCancelled = try await T.waitForOrder(harness, "OUT-2", until: { $0.status == "cancelled" })
            #expect(platformCancelled?.id == byPlatform)
            let byOperator = try await OrderCommandTests.placed(harness, "OUT-3", paid: false)
            #expect(
                try await harness.client.send(OrderCommand.ChangeStatus(order: byOperator, to: "cancelled", reason: "fraud check")).status == .done)

            let messages = try await Self.waiting(harness, "web", count: 2)
            #expect(messages.map(\.routingKey) == ["platform.web.fulfillment.created", "platform.web.order.cancelled"])
            let fulfillment = try MessageCoding.decoder().decode(Outbound.FulfillmentCreated.self, from: messages[0].body)
            #expect(fulfillment.orderId == "OUT-1" && fulfillment.shop == "main" && fulfillment.erpOrder == shipped)
            #expect(fulfillment.lines == [.init(line: 1, sku: "TEE-RED-M", quantity: 2)])
            #expect(fulfillment.carrier == "sf" && fulfillment.trackingNumber == "SF 123")
            #expect(fulfillment.trackingUrl == "https://track.example.com/sf?no=SF%20123")
            let cancelled = try MessageCoding.decoder().decode(Outbound.OrderCancelled.self, from: messages[1].body)
            #expect(cancelled.orderId == "OUT-3" && cancelled.reason == "fraud check")
            #expect(messages.count == 2, "the platform's own cancellation of OUT-2 is not told back")
        }
    }

    @Test func aShopifyShopGetsItsFulfillmentInShopifysShape() async throws {
        try await T.withOrders(outbound: Self.configuration) { harness async throws in
            for sku in ["MUG-CLASSIC", "TEA-OOLONG"] { try await T.skuKnown(harness, sku) }
            try await T.ingest(
                harness, "platform.shopify.order.created", Data(OrderSamples.shopify.utf8),
                headers: [IngestMessage.shopifyShopHeader: "demo.myshopify.com"])
            let order = try #require(try await T.waitForOrder(harness, "820982911946154508"))
            let allocated = try await harness.client.send(
                OrderCommand.Allocate(
                    order: order.id,
                    allocations: [
                        .init(line: 1, sku: "MUG-CLASSIC", warehouse: "SH", quantity: 2),
                        .init(line: 2, sku: "TEA-OOLONG", warehouse: "SH", quantity: 1),
                    ]))
            #expect(allocated.status == .done, "\(allocated)")
            #expect(try await ShipmentTests.ship(harness, order.id, "S1", [(1, 2), (2, 1)], tracking: "SF9").status == .done)
            let messages = try await Self.waiting(harness, "shopify", count: 1)
            #expect(messages.map(\.routingKey) == ["platform.shopify.fulfillment.created"])
            let body = try JSONSerialization.jsonObject(with: messages[0].body) as? [String: Any]
            let fulfillment = try #require(body?["fulfillment"] as? [String: Any])
            #expect(fulfillment["order_id"] as? Int64 == 820982911946154508)
            #expect(fulfillment["location_id"] as? Int64 == 905684977, "SH is Shopify location 905684977")
            let tracking = fulfillment["tracking_info"] as? [String: Any]
            #expect(tracking?["number"] as? String == "SF9" && tracking?["company"] as? String == "sf")
            #expect(tracking?["url"] as? String == "https://track.example.com/sf?no=SF9")
            let items = (fulfillment["line_items"] as? [[String: Any]])?.map { "\($0["sku"] ?? "")x\($0["quantity"] ?? "")" }
            #expect(items == ["MUG-CLASSICx2", "TEA-OOLONGx1"])
            let web = try await QueuePeek.messages("\(harness.schema).outbound.web", broker: ServiceHarness.environment.broker)
            #expect(web.isEmpty, "nothing for the web platform")
        }
    }

    @Test func aRefundFinanceRecordedIsToldToThePlatformWithItsLines() async throws {
        try await T.withOrders(outbound: Self.configuration) { harness async throws in
            let id = try await OrderCommandTests.placed(harness, "OUT-R", paid: true)
            try await T.publish(
                harness,
                event: FinanceEvent.RefundRecorded(
                    order: id, amount: Money(minorUnits: 5_000, currency: .cny), reason: "damaged", reference: "RF-1", creditNote: "CN-2026-000001",
                    lines: [.init(line: 1, amount: Money(minorUnits: 5_000, currency: .cny), quantity: 1)]))
            let messages = try await Self.waiting(harness, "web", count: 1)
            #expect(messages.map(\.routingKey) == ["platform.web.refund.created"])
            let refund = try MessageCoding.decoder().decode(Outbound.RefundCreated.self, from: messages[0].body)
            #expect(refund.orderId == "OUT-R" && refund.amount == Money(minorUnits: 5_000, currency: .cny) && refund.reason == "damaged")
            #expect(refund.lines == [.init(line: 1, amount: Money(minorUnits: 5_000, currency: .cny), quantity: 1)])
            #expect(refund.creditNote == "CN-2026-000001")
        }
    }

    @Test func badOutboundSettingsAreRefusedByName() throws {
        for (name, value) in [
            ("ERP_OUTBOUND_PLATFORMS", "web,Shop Ify"), ("ERP_TRACKING_URL_SF", "https://track.example.com/"),
            ("ERP_TRACKING_URL_SF", "ftp://x/{number}"), ("ERP_SHOPIFY_LOCATION_SH", "main"),
        ] {
            #expect(throws: ConfigurationError.self, "\(name)=\(value)") { try OutboundConfiguration(environment: [name: value]) }
        }
        let read = try OutboundConfiguration(environment: [
            "ERP_OUTBOUND_PLATFORMS": "web, shopify,tmall", "ERP_TRACKING_URL_SF_EXPRESS": "https://t.example.com/{number}",
            "ERP_SHOPIFY_LOCATION_GZ": "42",
        ])
        #expect(read.platforms == ["web", "shopify", "tmall"])
        #expect(read.trackingURL(carrier: "sf-express", number: "A1") == "https://t.example.com/A1")
        #expect(read.shopifyLocations == ["GZ": 42])
    }
}
