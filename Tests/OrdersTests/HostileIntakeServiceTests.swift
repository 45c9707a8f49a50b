import AMQP
import Contracts
import Foundation
import Messaging
import Orders
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Hostile platform messages through the real broker and database: each ends as one
/// quarantine row with its reason (never parked, never touching another order), and the
/// service goes on taking orders.
@Suite(.timeLimit(.minutes(6))) struct HostileIntakeServiceTests {
    typealias T = IntakeServiceTests

    static func parked(_ harness: ServiceHarness) async throws -> Int {
        let connection = try await AMQPConnection.connect(ServiceHarness.environment.broker)
        let count = try await connection.declareQueue("\(harness.schema).ingest.parked", passive: true).messageCount
        await connection.close()
        return count
    }

    @Test func aCancellationForAnExternalIDWithANULNeverReachesTheOrderItStartsWith() async throws {
        try await T.withOrders { harness async throws in
            try await T.skuKnown(harness, "TEE-RED-M")
            try await T.ingest(harness, "platform.web.order.created", Data(OrderSamples.issueExample.utf8))
            let order = try #require(try await T.waitForOrder(harness, "SO-10001"))
            let hostile = OrderSamples.issueExample.replacingOccurrences(
                of: #""external_id": "SO-10001""#, with: #""external_id": "SO-10001\u0000OTHER""#
            )
            .replacingOccurrences(of: #""revision": 1"#, with: #""revision": 2"#)
            try await T.ingest(harness, "platform.web.order.cancelled", Data(hostile.utf8))
            let rows = try await T.quarantined(harness, count: 1)
            #expect(rows.map(\.code) == ["invalid"])
            #expect(rows.first?.reason.contains("external_id contains a NUL character") == true, "\(rows)")
            #expect(try await T.order(harness, "SO-10001")?.status == order.status, "the existing order is untouched")
        }
    }

    @Test func aQuarantinedRoutingKeyIsKeptByteForByteAndARetryRejectsItAgain() async throws {
        try await T.withOrders { harness async throws in
            let key = "platform.web.order.created\u{0}"
            try await T.ingest(harness, key, Data(OrderSamples.issueExample.utf8))
            let rows = try await T.quarantined(harness, count: 1)
            #expect(rows.first?.code == "bad-routing-key")
            #expect(rows.first?.key == "platform.web.order.created\\u0000", "the text column shows the NUL")
            let raw = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT routing_key_bytes FROM \(harness.schema).quarantine"))[0]
                .decode(Data.self, at: 0)
            #expect(raw == Data(key.utf8), "the bytes are what arrived")
            let retried = try await harness.client.send(OrderCommand.RetryQuarantined(quarantine: 1)).decodeResult(OrderCommand.RetryResult.self)
            #expect(retried.accepted == false && retried.code == "bad-routing-key", "\(retried)")
            #expect(try await T.order(harness, "SO-10001") == nil)
        }
    }

    /// A raw delivery's correlation id goes into the events intake publishes: a NUL in it
    /// must not park the message.
    @Test func aCorrelationIDWithANULStillEndsInTheQuarantine() async throws {
        try await T.withOrders { harness async throws in
            let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
            let outcome = try await publisher.publish(
                AMQPMessage(
                    exchange: harness.exchange, routingKey: "platform.web.order.created", body: Data("not json".utf8),
                    properties: AMQPProperties(contentType: "application/json", persistent: true, correlationID: "c\u{0}1"), mandatory: true))
            await publisher.close()
            #expect(outcome == .confirmed)
            let rows = try await T.quarantined(harness, count: 1)
            #expect(rows.map(\.code) == ["undecodable"])
            #expect(try await Self.parked(harness) == 0, "nothing was parked")
        }
    }

    @Test func messagesThatWereParkedBeforeAreQuarantinedAndTheServiceGoesOn() async throws {
        try await T.withOrders { harness async throws in
            try await T.skuKnown(harness, "TEE-RED-M")
            let example = OrderSamples.issueExample
            let bodies = [
                example.replacingOccurrences(of: #""name": "张三", "email""#, with: #""name": "张\u0000三", "email""#),
                example.replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": 2147483648"#),
                example.replacingOccurrences(of: #""placed_at": "2026-11-28T10:15:00Z""#, with: #""placed_at": "0000-11-28T10:15:00Z""#),
                example.replacingOccurrences(of: #""unit_price": "99.00", "discount": "10.00""#, with: #""unit_price": "10000000000000.00""#),
                example.replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": 1e400"#),
            ]
            for body in bodies { try await T.ingest(harness, "platform.web.order.created", Data(body.utf8)) }
            let good = example.replacingOccurrences(of: "SO-10001", with: "SO-AFTER")
            try await T.ingest(harness, "platform.web.order.created", Data(good.utf8))
            let rows = try await T.quarantined(harness, count: bodies.count)
            #expect(rows.count == bodies.count, "\(rows)")
            let everyReasonGiven = rows.allSatisfy { !$0.reason.isEmpty }
            #expect(everyReasonGiven)
            #expect(try await T.waitForOrder(harness, "SO-AFTER") != nil, "the service took the next order")
            #expect(try await Self.parked(harness) == 0, "nothing was parked")
        }
    }

    /// Invariant 4 under fuzzing: every generated body the broker accepted is one order
    /// (or a repeat of one) or one quarantine row; nothing is parked.
    @Test func everyGeneratedHostileBodyEndsAsOneOrderOrOneQuarantineRow() async throws {
        try await T.withOrders { harness async throws in
            let cases = HostileBodies.cases(seed: 19, count: 60)
            for (index, draw) in cases.enumerated() {
                try await T.ingest(
                    harness, "platform.web.order.created", HostileBodies.body(id: "FZ-\(index)", changes: draw.changes, structural: draw.structural))
            }
            var accounted = 0
            let settled = try await eventually {
                accounted = try await harness.pool.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT (SELECT count(*) FROM \(harness.schema).quarantine) + (SELECT count(*) + coalesce(sum(repeats), 0) FROM \(harness.schema).orders)
                            """))[0].decode(Int.self, at: 0)
                return accounted >= cases.count
            }
            #expect(settled && accounted == cases.count, "\(accounted) of \(cases.count) accounted for")
            #expect(try await Self.parked(harness) == 0, "nothing was parked")
        }
    }

    @Test func aMessageNoQueueTakesIsQuarantinedThroughTheAlternateExchange() async throws {
        let tag = TestEnvironment.uniqueName("t_unr")
        let ingest = "\(tag).ingest", unrouted = "\(tag).unrouted"
        let setup = try await AMQPConnection.connect(ServiceHarness.environment.broker)
        try await Topology.declareWithAlternate(ingest, alternate: unrouted, on: setup)
        var failure: (any Error)?
        do { try await Self.publishUnroutable(ingest: ingest, unrouted: unrouted) } catch { failure = error }
        try? await setup.deleteExchange(ingest)
        try? await setup.deleteExchange(unrouted)
        await setup.close()
        if let failure { throw failure }
    }

    static func publishUnroutable(ingest: String, unrouted: String) async throws {
        try await ServiceHarness.run(
            prefix: "t_unr",
            { schema, queue, exchange in
                OrdersService.definition(
                    schema: schema, queuePrefix: String(queue.dropLast(".commands".count)), ingestExchange: ingest, unroutedExchange: unrouted,
                    eventsExchange: exchange, commandsExchange: exchange)
            }
        ) { harness async throws in
            let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
            for key in ["order.created", "Platform.web.order.created"] {
                let outcome = try await publisher.publish(
                    AMQPMessage(
                        exchange: ingest, routingKey: key, body: Data(OrderSamples.issueExample.utf8),
                        properties: AMQPProperties(contentType: "application/json", persistent: true), mandatory: true))
                #expect(outcome == .confirmed, "the alternate exchange routes it")
            }
            await publisher.close()
            let rows = try await T.quarantined(harness, count: 2)
            #expect(rows.map(\.code) == ["bad-routing-key", "bad-routing-key"])
            #expect(Set(rows.map(\.key)) == ["order.created", "Platform.web.order.created"])
            #expect(rows.first?.reason.contains("no service takes routing key") == true, "\(rows)")
        }
    }
}
