import AMQP
import Contracts
import Foundation
import Messaging
import Orders
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Carriers' tracking events through the real broker and database.
@Suite(.timeLimit(.minutes(6))) struct CarrierTrackingTests {
    typealias T = IntakeServiceTests

    static func event(_ number: String, at: String = "2026-11-29T08:00:00Z", description: String? = nil) -> Data {
        var fields = [#""tracking_number": "\#(number)""#, #""occurred_at": "\#(at)""#, #""location": "Hangzhou""#]
        if let description { fields.append(#""description": "\#(description)""#) }
        return Data(("{" + fields.joined(separator: ", ") + "}").utf8)
    }

    static func trackingCount(_ harness: ServiceHarness) async throws -> Int {
        try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).tracking_events"))[0].decode(
            Int.self, at: 0)
    }

    @Test func everyParcelDeliveredMakesTheOrderDeliveredAndAnExceptionFlagsIt() async throws {
        try await T.withOrders { harness async throws in
            try await T.skuKnown(harness, "TEE-RED-M")
            try await T.ingest(harness, "platform.web.order.created", Data(OrderSamples.issueExample.utf8))
            let order = try #require(try await T.waitForOrder(harness, "SO-10001"))
            try await ShipmentTests.allocate(harness, order.id, [(1, "SH", 2)])
            for (shipment, number) in [("S1", "SF1"), ("S2", "SF2")] {
                let shipped = try await harness.client.send(
                    OrderCommand.Ship(
                        order: order.id, shipment: shipment, carrier: "SF", trackingNumber: number, lines: [.init(line: 1, quantity: 1)]))
                #expect(shipped.status == .done, "\(shipped)")
            }
            #expect(try await T.order(harness, "SO-10001")?.status == "shipped")

            try await T.ingest(harness, "carrier.sf.tracking.in_transit", Self.event("SF1", at: "2026-11-29T06:00:00Z"))
            try await T.ingest(harness, "carrier.sf.tracking.delivered", Self.event("SF1"))
            try await T.ingest(harness, "carrier.sf.tracking.delivered", Self.event("SF1"))  // the same event again
            try await T.ingest(harness, "carrier.sf.tracking.exception", Self.event("SF2", description: "address not found"))
            let kept = try await eventually { try await Self.trackingCount(harness) == 3 }
            #expect(kept, "three events, the repeat kept once")
            let flagged = try await T.waitForOrder(harness, "SO-10001", until: { $0.attention != nil })
            #expect(flagged?.attention?.contains("exception") == true, "\(String(describing: flagged))")
            #expect(flagged?.status == "shipped", "one parcel is not delivered yet")

            try await T.ingest(harness, "carrier.sf.tracking.delivered", Self.event("SF2", at: "2026-11-30T09:00:00Z"))
            let delivered = try await T.waitForOrder(harness, "SO-10001", until: { $0.status == "delivered" })
            #expect(delivered?.status == "delivered")
            let detail = try #require(try await OrderQueries(schema: harness.schema).detail(order.id, harness.pool))
            #expect(detail.tracking.map(\.event) == ["in_transit", "delivered", "exception", "delivered"])
            #expect(detail.history.last?.actor == "carrier:sf")
        }
    }

    @Test func aTrackingEventThatCannotBeTakenIsQuarantinedWithItsReason() async throws {
        try await T.withOrders { harness async throws in
            let cases: [(String, Data, String)] = [
                ("carrier.sf.tracking.delivered", Self.event("NOPE"), "unknown-shipment"),
                ("carrier.sf.tracking.lost", Self.event("SF1"), "bad-routing-key"),
                ("carrier.SF.tracking.delivered", Self.event("SF1"), "bad-routing-key"),
                (
                    "carrier.sf.tracking.delivered", Data(#"{"tracking_number": "SF1", "occurred_at": "2026-11-29T08:00:00Z", "eta": "x"}"#.utf8),
                    "undecodable"
                ),
                ("carrier.sf.tracking.delivered", Self.event("SF1", at: "2026-02-31T08:00:00Z"), "invalid"),
                ("carrier.sf.tracking.delivered", Data(#"{"tracking_number": "SF\u0000", "occurred_at": "2026-11-29T08:00:00Z"}"#.utf8), "invalid"),
            ]
            for (key, body, _) in cases { try await T.ingest(harness, key, body) }
            let rows = try await T.quarantined(harness, count: cases.count)
            #expect(rows.map(\.code) == cases.map(\.2), "\(rows.map(\.reason))")
        }
    }
}
