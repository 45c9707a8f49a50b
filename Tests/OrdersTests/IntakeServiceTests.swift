import AMQP
import Contracts
import Foundation
import Ingest
import Messaging
import Orders
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Platform order intake through the real broker and database.
@Suite(.timeLimit(.minutes(6))) struct IntakeServiceTests {
    static func withOrders<T>(
        configuration: IngestConfiguration = IngestConfiguration(secrets: ["signed": "s3cret"]).adding("signed"),
        outbound: OutboundConfiguration = OutboundConfiguration(),
        _ body: (ServiceHarness) async throws -> T
    ) async throws -> T {
        try await ServiceHarness.run(
            prefix: "t_ord",
            { schema, queue, exchange in
                OrdersService.definition(
                    schema: schema, queuePrefix: String(queue.dropLast(".commands".count)), configuration: configuration, outbound: outbound,
                    ingestExchange: exchange, eventsExchange: exchange, commandsExchange: exchange)
            }, body)
    }

    /// Publishes like a platform: a raw body with a routing key (and headers), confirmed.
    static func ingest(_ harness: ServiceHarness, _ key: String, _ body: Data, headers: AMQPTable = [:], messageID: String? = nil) async throws {
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        let outcome = try await publisher.publish(
            AMQPMessage(
                exchange: harness.exchange, routingKey: key, body: body,
                properties: AMQPProperties(contentType: "application/json", headers: headers, persistent: true, messageID: messageID),
                mandatory: true))
        await publisher.close()
        #expect(outcome == .confirmed)
    }

    static func publish<M: Message>(_ harness: ServiceHarness, event: M) async throws {
        let envelope = try Envelope(event, source: "tests")
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        _ = try await publisher.publish(
            AMQPMessage(
                exchange: harness.exchange, routingKey: M.type.rawValue, body: envelope.payload, properties: envelope.amqpProperties))
        await publisher.close()
    }

    static func skuKnown(_ harness: ServiceHarness, _ code: String) async throws {
        try await publish(
            harness,
            event: CatalogEvent.SKUChanged(
                code: code, product: code, title: code, options: [:], barcode: nil, price: Money(minorUnits: 9_900, currency: .cny),
                taxCategory: "standard", active: true))
        let copied = try await eventually {
            try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(harness.schema).skus WHERE code = $1", binds: [code])).first != nil
        }
        #expect(copied)
    }

    struct Row: Equatable {
        let id: Int64, status: String, revision: Int64, repeats: Int, attention: String?, holdReason: String?
    }

    static func order(_ harness: ServiceHarness, _ externalID: String) async throws -> Row? {
        try await harness.pool.query(
            PostgresQuery(
                unsafeSQL: "SELECT id, status, revision, repeats, attention, hold_reason FROM \(harness.schema).orders WHERE external_id = $1",
                binds: [externalID])
        ).first.map {
            Row(
                id: try $0.decode(Int64.self, at: 0), status: try $0.decode(String.self, at: 1), revision: try $0.decode(Int64.self, at: 2),
                repeats: try $0.decode(Int.self, at: 3), attention: try $0.decode(String?.self, at: 4), holdReason: try $0.decode(String?.self, at: 5)
            )
        }
    }

    static func waitForOrder(_ harness: ServiceHarness, _ externalID: String) async throws -> Row? {
        try await waitForOrder(harness, externalID, until: { _ in true })
    }

    static func waitForOrder(_ harness: ServiceHarness, _ externalID: String, until condition: @escaping @Sendable (Row) -> Bool) async throws -> Row?
    {
        var found: Row?
        _ = try await eventually {
            found = try await order(harness, externalID)
            guard let row = found else { return false }
            return condition(row)
        }
        return found
    }

    static func quarantined(_ harness: ServiceHarness, count: Int) async throws -> [(code: String, reason: String, key: String, body: Data)] {
        var rows: [(String, String, String, Data)] = []
        _ = try await eventually {
            rows = try await harness.pool.query(
                PostgresQuery(unsafeSQL: "SELECT code, reason, routing_key, body FROM \(harness.schema).quarantine ORDER BY id")
            )
            .map {
                (
                    try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1), try $0.decode(String.self, at: 2),
                    try $0.decode(Data.self, at: 3)
                )
            }
            return rows.count >= count
        }
        return rows.map { (code: $0.0, reason: $0.1, key: $0.2, body: $0.3) }
    }

    @Test func aCanonicalOrderBecomesOnePaidOrderWithItsHistory() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.skuKnown(harness, "TEE-RED-M")
            try await Self.ingest(harness, "platform.web.order.created", Data(OrderSamples.issueExample.utf8))
            let row = try #require(try await Self.waitForOrder(harness, "SO-10001"))
            #expect(row.status == "paid")
            let history = try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT to_status, actor FROM \(harness.schema).status_history WHERE order_id = $1", binds: [row.id]))
            let historyRecordsPaid = try history.map { try $0.decode(String.self, at: 0) } == ["paid"]
            #expect(historyRecordsPaid)
            #expect(try history[0].decode(String.self, at: 1) == "intake:web")
            #expect(try await harness.outboxTypes().contains(OrderEvent.Placed.type.rawValue))
            let totals = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT total_minor FROM \(harness.schema).orders"))
            #expect(try totals[0].decode(Int64.self, at: 0) == 19_800)
        }
    }

    @Test func aRepeatIsRecognisedAndCountedAndALaterRevisionApplies() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.skuKnown(harness, "TEE-RED-M")
            let first = OrderSamples.canonical("SO-2", revision: 2, paid: false)
            try await Self.ingest(harness, "platform.web.order.created", OrderSamples.json(first))
            _ = try await Self.waitForOrder(harness, "SO-2")
            try await Self.ingest(harness, "platform.web.order.created", OrderSamples.json(first))
            try await Self.ingest(harness, "platform.web.order.updated", OrderSamples.json(OrderSamples.canonical("SO-2", revision: 1, paid: false)))
            let repeated = try await Self.waitForOrder(harness, "SO-2", until: { $0.repeats == 2 })
            #expect(repeated?.status == "pending_payment")
            var moved = OrderSamples.canonical("SO-2", revision: 3, paid: false)
            moved.shippingAddress?.line1 = "文三路 2 号"
            try await Self.ingest(harness, "platform.web.order.updated", OrderSamples.json(moved))
            let revisionThreeArrived = try await Self.waitForOrder(harness, "SO-2", until: { $0.revision == 3 }) != nil
            #expect(revisionThreeArrived)
            try await Self.ingest(harness, "platform.web.order.paid", OrderSamples.json(OrderSamples.canonical("SO-2", revision: 4, paid: true)))
            let paid = try await Self.waitForOrder(harness, "SO-2", until: { $0.status == "paid" })
            #expect(paid?.revision == 4)
            let types = try await harness.outboxTypes()
            #expect(types.contains(OrderEvent.Changed.type.rawValue))
            #expect(types.contains(OrderEvent.StatusChanged.type.rawValue))
        }
    }

    @Test func aRevisionTheOrdersStateCannotTakeFlagsTheOrderForAPerson() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.skuKnown(harness, "TEE-RED-M")
            try await Self.ingest(harness, "platform.web.order.created", OrderSamples.json(OrderSamples.canonical("SO-3", revision: 1)))
            let waited = try await Self.waitForOrder(harness, "SO-3", until: { $0.status == "paid" })
            let paid = try #require(waited)
            // Lines may not change once paid.
            try await Self.ingest(harness, "platform.web.order.updated", OrderSamples.json(OrderSamples.canonical("SO-3", revision: 2, quantity: 3)))
            let flagged = try await Self.waitForOrder(harness, "SO-3", until: { $0.attention != nil })
            #expect(flagged?.attention?.contains("changes the lines but the order is paid") == true, "\(String(describing: flagged))")
            // A cancellation of a shipped order cannot apply either.
            try await harness.pool.withTransaction { tx in
                let store = OrderStore(schema: harness.schema)
                try await store.transition(paid.id, from: .paid, to: .allocated, reason: "test", actor: "tests", in: tx)
                try await store.transition(paid.id, from: .allocated, to: .shipped, reason: "test", actor: "tests", in: tx)
            }
            try await Self.ingest(harness, "platform.web.order.cancelled", OrderSamples.json(OrderSamples.canonical("SO-3", revision: 3)))
            let stillShipped = try await Self.waitForOrder(harness, "SO-3", until: { $0.revision == 3 })
            #expect(stillShipped?.status == "shipped")
            #expect(stillShipped?.attention?.contains("cancelled") == true)
            let twoNeedAttentionEvents = try await harness.outboxTypes().filter { $0 == OrderEvent.NeedsAttention.type.rawValue }.count == 2
            #expect(twoNeedAttentionEvents)
        }
    }

    @Test func aCancellationBeforeShipmentCancelsTheOrder() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.skuKnown(harness, "TEE-RED-M")
            try await Self.ingest(harness, "platform.web.order.created", OrderSamples.json(OrderSamples.canonical("SO-4", revision: 1)))
            _ = try await Self.waitForOrder(harness, "SO-4")
            try await Self.ingest(harness, "platform.web.order.cancelled", OrderSamples.json(OrderSamples.canonical("SO-4", revision: 2)))
            let cancellationArrived = try await Self.waitForOrder(harness, "SO-4", until: { $0.status == "cancelled" }) != nil
            #expect(cancellationArrived)
        }
    }

    @Test func anOrderWithAnUnknownSKUWaitsOnHoldAndProceedsWhenTheSKUAppears() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.ingest(harness, "platform.web.order.created", OrderSamples.json(OrderSamples.canonical("SO-5", sku: "NEW-SKU")))
            let held = try await Self.waitForOrder(harness, "SO-5")
            #expect(held?.status == "on_hold")
            #expect(held?.holdReason == "unknown_sku")
            try await Self.skuKnown(harness, "NEW-SKU")
            let released = try await Self.waitForOrder(harness, "SO-5", until: { $0.status == "paid" })
            #expect(released?.holdReason == nil)
            let reasons = try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT reason FROM \(harness.schema).status_history WHERE order_id = $1 ORDER BY id", binds: [released?.id ?? 0]))
            let holdAndReleaseReasonsRecorded =
                try reasons.map { try $0.decode(String.self, at: 0) } == [
                    "received; unknown SKU NEW-SKU", "every SKU is in the catalog now (NEW-SKU arrived)",
                ]
            #expect(holdAndReleaseReasonsRecorded)
        }
    }

    @Test func aShopifyWebhookBecomesAnOrder() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.skuKnown(harness, "MUG-CLASSIC")
            try await Self.skuKnown(harness, "TEA-OOLONG")
            try await Self.ingest(
                harness, "platform.shopify.order.created", Data(OrderSamples.shopify.utf8),
                headers: [IngestMessage.shopifyShopHeader: "demo.myshopify.com"])
            let row = try await Self.waitForOrder(harness, "820982911946154508")
            #expect(row?.status == "paid")
            let shop = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT shop, total_minor, currency FROM \(harness.schema).orders"))[0]
            #expect(try shop.decode(String.self, at: 0) == "demo.myshopify.com")
            #expect(try shop.decode(Int64.self, at: 1) == 4_400)
            #expect(try shop.decode(String.self, at: 2) == "USD")
        }
    }

    @Test func aShopifyCancellationWebhookCancelsTheOrder() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.skuKnown(harness, "MUG-CLASSIC")
            try await Self.skuKnown(harness, "TEA-OOLONG")
            let headers: AMQPTable = [IngestMessage.shopifyShopHeader: "demo.myshopify.com"]
            var unpaid = try MessageCoding.decoder().decode(ShopifyOrder.self, from: Data(OrderSamples.shopify.utf8))
            unpaid.financialStatus = "pending"
            try await Self.ingest(harness, "platform.shopify.order.created", try MessageCoding.encoder().encode(unpaid), headers: headers)
            _ = try await Self.waitForOrder(harness, "820982911946154508")
            var cancelled = unpaid
            cancelled.updatedAt = "2026-11-28T13:00:00-05:00"
            cancelled.cancelledAt = "2026-11-28T13:00:00-05:00"
            try await Self.ingest(harness, "platform.shopify.order.cancelled", try MessageCoding.encoder().encode(cancelled), headers: headers)
            let row = try await Self.waitForOrder(harness, "820982911946154508", until: { $0.status == "cancelled" })
            #expect(row?.status == "cancelled")
        }
    }

    @Test func everyKindOfBadMessageIsQuarantinedWithItsBodyAndReason() async throws {
        try await Self.withOrders { harness async throws in
            func json(_ change: (inout CanonicalOrder) -> Void) -> Data {
                var order = OrderSamples.canonical("BAD")
                change(&order)
                return OrderSamples.json(order)
            }
            let cases: [(String, Data, AMQPTable, String)] = [
                ("platform.web.order.created", Data("not json".utf8), [:], "undecodable"),
                ("platform.web.order.created", Data(#"{"platform":"web","shop":"main","external_id":7}"#.utf8), [:], "undecodable"),
                ("platform.web.order.created", Data(#"{"platform":"web","shop":"main"}"#.utf8), [:], "undecodable"),
                ("platform.web.order.created", json { $0.lines[0].unitPrice = "1.005" }, [:], "invalid"),
                ("platform.web.order.created", json { $0.lines[0].quantity = -1 }, [:], "invalid"),
                ("platform.web.order.created", json { $0.payment?.amount = "1.00" }, [:], "amount-mismatch"),
                ("platform.web.order.created", Data(count: IngestMessage.maximumBodySize + 1), [:], "too-large"),
                ("platform.web.order.created", json { $0.platform = "other" }, [:], "platform-mismatch"),
                ("platform.nowhere.order.created", json { $0.platform = "nowhere" }, [:], "unknown-platform"),
                ("platform.web.order.shipped", json { _ in }, [:], "bad-routing-key"),
                ("platform.signed.order.created", json { $0.platform = "signed" }, [:], "unsigned"),
                ("platform.signed.order.created", json { $0.platform = "signed" }, [IngestMessage.signatureHeader: "AAAA"], "bad-signature"),
            ]
            for (key, body, headers, _) in cases { try await Self.ingest(harness, key, body, headers: headers) }
            let rows = try await Self.quarantined(harness, count: cases.count)
            #expect(rows.map(\.code) == cases.map(\.3))
            #expect(rows.map(\.key) == cases.map(\.0))
            #expect(rows.map(\.body) == cases.map(\.1), "the raw body is kept as it came")
            #expect(rows[2].reason.contains("external_id"), "\(rows[2].reason)")
            #expect(
                try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).orders"))[0].decode(
                    Int.self, at: 0) == 0)
            let oneRejectionEventPerCase =
                try await harness.outboxTypes().filter { $0 == OrderEvent.IngestRejected.type.rawValue }.count == cases.count
            #expect(oneRejectionEventPerCase)
        }
    }

    /// A message delivered again (its acknowledgement lost to a crash or a broker restart) is
    /// quarantined and announced once; another message with the same body is another row.
    @Test func theSameRejectedMessageDeliveredTwiceIsQuarantinedOnce() async throws {
        try await Self.withOrders { harness async throws in
            let body = Data("not json".utf8)
            try await Self.ingest(harness, "platform.web.order.created", body, messageID: "M-1")
            try await Self.ingest(harness, "platform.web.order.created", body, messageID: "M-1")
            try await Self.ingest(harness, "platform.web.order.created", body, messageID: "M-2")
            let rows = try await Self.quarantined(harness, count: 2)
            #expect(rows.count == 2)
            let ids = try await harness.pool.query(
                PostgresQuery(unsafeSQL: "SELECT message_id FROM \(harness.schema).quarantine ORDER BY id")
            ).map { try $0.decode(String.self, at: 0) }
            #expect(ids == ["M-1", "M-2"])
            let announced = try await harness.outboxTypes().filter { $0 == OrderEvent.IngestRejected.type.rawValue }.count
            #expect(announced == 2, "one orders.ingest.rejected.v1 per message, not per delivery")
        }
    }

    /// A hostile message id (a NUL and a control character in it) is kept byte for byte, once.
    @Test func aRejectedMessageWithANULInItsIdIsQuarantinedOnceWithItsIdKept() async throws {
        try await Self.withOrders { harness async throws in
            let id = "M\u{0}\u{7}1"
            try await Self.ingest(harness, "platform.web.order.created", Data("not json".utf8), messageID: id)
            try await Self.ingest(harness, "platform.web.order.created", Data("not json".utf8), messageID: id)
            try await Self.ingest(harness, "platform.web.order.created", Data("not json".utf8), messageID: "M-2")
            let rows = try await Self.quarantined(harness, count: 2)
            #expect(rows.map(\.code) == ["undecodable", "undecodable"])
            let kept = try await harness.pool.query(
                PostgresQuery(unsafeSQL: "SELECT message_id_bytes FROM \(harness.schema).quarantine ORDER BY id")
            ).map { try $0.decode(Data.self, at: 0) }
            #expect(kept == [Data(id.utf8), Data("M-2".utf8)])
        }
    }

    @Test func aCorrectlySignedMessageIsTaken() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.skuKnown(harness, "TEE-RED-M")
            let body = OrderSamples.json(OrderSamples.canonical("SIGNED-1", platform: "signed"))
            try await Self.ingest(
                harness, "platform.signed.order.created", body,
                headers: [IngestMessage.signatureHeader: .string(IngestConfiguration.signature(of: body, secret: "s3cret"))])
            #expect(try await Self.waitForOrder(harness, "SIGNED-1") != nil)
        }
    }

    @Test func aQuarantinedMessageCanBeRetriedOnceItsCauseIsGone() async throws {
        try await Self.withOrders { harness async throws in
            try await Self.skuKnown(harness, "TEE-RED-M")
            try await Self.ingest(harness, "platform.web.order.created", Data("not json".utf8))
            _ = try await Self.quarantined(harness, count: 1)
            let again = try await harness.client.send(OrderCommand.RetryQuarantined(quarantine: 1))
                .decodeResult(OrderCommand.RetryResult.self)
            #expect(again.accepted == false && again.code == "undecodable")
            // A message kept by a stricter rule that no longer applies (written here as it would have been).
            let body = OrderSamples.json(OrderSamples.canonical("RETRY-1"))
            let id = try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(harness.schema).quarantine (exchange, routing_key, routing_key_bytes, body, code, reason)
                        VALUES ('erp.ingest', $1, convert_to($1, 'UTF8'), $2, 'old-rule', 'x') RETURNING id
                        """, binds: ["platform.web.order.created", body]))[0].decode(Int64.self, at: 0)
            let retried = try await harness.client.send(OrderCommand.RetryQuarantined(quarantine: id)).decodeResult(OrderCommand.RetryResult.self)
            #expect(retried.accepted)
            #expect(try await Self.order(harness, "RETRY-1")?.id == retried.order)
            #expect(try await harness.client.send(OrderCommand.RetryQuarantined(quarantine: id)).code == "already-retried")
            #expect(try await harness.client.send(OrderCommand.RetryQuarantined(quarantine: 999)).code == "unknown-quarantine")
            let attempts = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT attempts FROM \(harness.schema).quarantine WHERE id = 1"))
            #expect(try attempts[0].decode(Int.self, at: 0) == 2)
        }
    }
}

extension IngestConfiguration {
    func adding(_ platform: String) -> IngestConfiguration {
        var copy = self
        copy.genericPlatforms.insert(platform)
        return copy
    }
}
