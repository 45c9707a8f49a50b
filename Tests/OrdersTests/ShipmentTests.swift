import AMQP
import Contracts
import Foundation
import Messaging
import Orders
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Allocation and warehouse shipments in the orders service, through the real broker and
/// database: only what was allocated in a warehouse ships from it; partial shipments; a
/// warehouse's confirmation message; everything bad refused or quarantined with its reason.
@Suite(.timeLimit(.minutes(6))) struct ShipmentTests {
    typealias T = IntakeServiceTests

    /// Allocates as the fulfilment saga does: (line, warehouse, units) of TEE-RED-M.
    static func allocate(_ harness: ServiceHarness, _ id: Int64, _ lines: [(Int, String, Int)]) async throws {
        let allocated = try await harness.client.send(
            OrderCommand.Allocate(
                order: id, allocations: lines.map { .init(line: $0.0, sku: "TEE-RED-M", warehouse: $0.1, quantity: $0.2) }))
        #expect(allocated.status == .done, "\(allocated)")
    }

    static func ship(
        _ harness: ServiceHarness, _ id: Int64, _ shipment: String, _ lines: [(Int, Int)], warehouse: String? = nil, tracking: String? = nil
    ) async throws -> CommandOutcome {
        try await harness.client.send(
            OrderCommand.Ship(
                order: id, shipment: shipment, carrier: "sf", trackingNumber: tracking ?? "SF-\(shipment)",
                lines: lines.map { .init(line: $0.0, quantity: $0.1) }, warehouse: warehouse))
    }

    static func history(_ harness: ServiceHarness, _ id: Int64) async throws -> [String] {
        try await harness.pool.query(
            PostgresQuery(
                unsafeSQL: "SELECT to_status FROM \(harness.schema).status_history WHERE order_id = $1 ORDER BY id", binds: [id])
        )
        .map { try $0.decode(String.self, at: 0) }
    }

    static func shipments(_ harness: ServiceHarness) async throws -> Int {
        try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).shipments"))[0].decode(Int.self, at: 0)
    }

    @Test func partialShipmentsLeaveTheOrderPartlyShippedUntilEveryLineHasGone() async throws {
        try await T.withOrders { harness async throws in
            let id = try await OrderCommandTests.placed(harness, "SHIP-1", paid: true, quantity: 3)
            try await Self.allocate(harness, id, [(1, "SH", 3)])
            let first = try await Self.ship(harness, id, "S1", [(1, 2)])
            #expect(try first.decodeResult(OrderCommand.Changed.self).status == .partiallyShipped, "\(first)")
            let tooMany = try await Self.ship(harness, id, "S2", [(1, 2)])
            #expect(tooMany.code == "over-allocation", "\(tooMany)")
            #expect(tooMany.reason?.contains("3 allocated there, 2 shipped") == true, "\(tooMany)")
            let repeated = try await Self.ship(harness, id, "S1", [(1, 2)])
            #expect(repeated.status == .done, "the same parcel again changes nothing: \(repeated)")
            let other = try await Self.ship(harness, id, "S1", [(1, 1)])
            #expect(other.code == "duplicate-shipment", "\(other)")
            let last = try await Self.ship(harness, id, "S2", [(1, 1)])
            #expect(try last.decodeResult(OrderCommand.Changed.self).status == .shipped)
            let moved = try await harness.client.send(OrderCommand.ChangeAddress(order: id, address: .init(country: "CN", line1: "x")))
            #expect(moved.code == "too-late")
            let cancel = try await harness.client.send(OrderCommand.ChangeStatus(order: id, to: "cancelled", reason: "customer asked"))
            #expect(cancel.code == "illegal-transition")
            #expect(try await Self.history(harness, id) == ["paid", "allocated", "partially_shipped", "shipped"])
            #expect(try await Self.shipments(harness) == 2)
        }
    }

    @Test func onlyAnAllocatedOrderShipsAndOnlyFromWhereItIsAllocated() async throws {
        try await T.withOrders { harness async throws in
            let id = try await OrderCommandTests.placed(harness, "SHIP-2", paid: true, quantity: 3)
            let early = try await Self.ship(harness, id, "S1", [(1, 1)])
            #expect(early.code == "illegal-transition", "a paid order has nothing allocated: \(early)")
            let byHand = try await harness.client.send(OrderCommand.ChangeStatus(order: id, to: "allocated", reason: "looks ready"))
            #expect(byHand.code == "validation", "allocated means reserved: \(byHand)")
            let short = try await harness.client.send(
                OrderCommand.Allocate(
                    order: id, allocations: [.init(line: 1, sku: "TEE-RED-M", warehouse: "SH", quantity: 2)]))
            #expect(short.code == "validation", "an allocation covers every unit: \(short)")
            try await Self.allocate(harness, id, [(1, "SH", 2), (1, "BJ", 1)])
            let unnamed = try await Self.ship(harness, id, "S1", [(1, 1)])
            #expect(unnamed.code == "validation", "\(unnamed)")
            #expect(unnamed.reason?.contains("BJ, SH") == true, "\(unnamed)")
            let wrongPlace = try await Self.ship(harness, id, "S1", [(1, 2)], warehouse: "BJ")
            #expect(wrongPlace.code == "over-allocation", "\(wrongPlace)")
            let unknownLine = try await Self.ship(harness, id, "S1", [(7, 1)], warehouse: "SH")
            #expect(unknownLine.code == "unknown-line", "\(unknownLine)")
            let zero = try await Self.ship(harness, id, "S1", [(1, 0)], warehouse: "SH")
            #expect(zero.code == "validation", "\(zero)")
            #expect(try await Self.shipments(harness) == 0, "nothing refused was recorded")
            #expect(try await Self.ship(harness, id, "S-SH", [(1, 2)], warehouse: "SH").status == .done)
            let bj = try await Self.ship(harness, id, "S-BJ", [(1, 1)])
            #expect(try bj.decodeResult(OrderCommand.Changed.self).status == .shipped, "BJ is the only place with units left: \(bj)")
            let late = try await harness.client.send(OrderCommand.ReportShipLate(order: id, hours: 48))
            #expect(late.status == .done)
            #expect(try await T.order(harness, "SHIP-2")?.attention == nil, "a shipped order is not late")
        }
    }

    @Test func anOrderPastItsShipByDeadlineIsFlaggedNotCancelled() async throws {
        try await T.withOrders { harness async throws in
            let id = try await OrderCommandTests.placed(harness, "LATE-1", paid: true)
            try await Self.allocate(harness, id, [(1, "SH", 2)])
            #expect(try await harness.client.send(OrderCommand.ReportShipLate(order: id, hours: 48)).status == .done)
            let row = try await T.order(harness, "LATE-1")
            #expect(row?.status == "allocated")
            #expect(row?.attention?.contains("not shipped within 48 hours") == true, "\(String(describing: row))")
        }
    }

    static func confirmation(
        order: String, shipment: String = "W1", lines: String = #"[{"line": 1, "quantity": 2}]"#, tracking: String = "YT1",
        shippedAt: String = "2026-11-29T08:00:00Z", extra: String = ""
    ) -> Data {
        Data(
            """
            {"order": \(order), "shipment_id": "\(shipment)", "lines": \(lines), "carrier": "yto", "tracking_number": "\(tracking)", \
            "shipped_at": "\(shippedAt)", "weight_grams": 800\(extra)}
            """.utf8)
    }

    @Test func aWarehouseConfirmationShipsTheOrderAndARepeatIsIgnored() async throws {
        try await T.withOrders { harness async throws in
            let id = try await OrderCommandTests.placed(harness, "WH-1", paid: true)
            try await Self.allocate(harness, id, [(1, "SH", 2)])
            let reference = #"{"platform": "web", "shop": "main", "external_id": "WH-1"}"#
            try await T.ingest(harness, "warehouse.SH.shipment.confirmed", Self.confirmation(order: reference))
            let shipped = try await T.waitForOrder(harness, "WH-1", until: { $0.status == "shipped" })
            #expect(shipped?.status == "shipped")
            try await T.ingest(harness, "warehouse.SH.shipment.confirmed", Self.confirmation(order: String(id)))
            // A message that is quarantined after the repeat shows the repeat was taken (nothing quarantined for it).
            try await T.ingest(harness, "warehouse.SH.shipment.confirmed", Self.confirmation(order: "999999"))
            let rows = try await T.quarantined(harness, count: 1)
            #expect(rows.map(\.code) == ["unknown-order"], "\(rows.map(\.reason))")
            #expect(try await Self.shipments(harness) == 1)
            let detail = try #require(try await OrderQueries(schema: harness.schema).detail(id, harness.pool))
            #expect(detail.history.last?.actor == "warehouse:SH")
            let stored = try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT warehouse, weight_grams, shipped_at = '2026-11-29T08:00:00Z'::timestamptz FROM \(harness.schema).shipments"))[
                    0]
            #expect(try stored.decode(String.self, at: 0) == "SH")
            #expect(try stored.decode(Int.self, at: 1) == 800)
            #expect(try stored.decode(Bool.self, at: 2))
        }
    }

    @Test func aWarehouseConfirmationTheOrderDoesNotAllowIsQuarantinedWithItsReason() async throws {
        try await T.withOrders { harness async throws in
            let id = try await OrderCommandTests.placed(harness, "WH-2", paid: true, quantity: 3)
            try await Self.allocate(harness, id, [(1, "SH", 3)])
            try await T.ingest(harness, "warehouse.SH.shipment.confirmed", Self.confirmation(order: String(id), shipment: "OK1"))
            let partly = try await T.waitForOrder(harness, "WH-2", until: { $0.status == "partially_shipped" })
            #expect(partly?.status == "partially_shipped")
            let order = String(id)
            let cases: [(String, Data, String)] = [
                ("warehouse.SH.shipment.confirmed", Self.confirmation(order: "424242"), "unknown-order"),
                (
                    "warehouse.SH.shipment.confirmed", Self.confirmation(order: #"{"platform": "web", "shop": "main", "external_id": "NOPE"}"#),
                    "unknown-order"
                ),
                ("warehouse.SH.shipment.confirmed", Self.confirmation(order: order, lines: #"[{"line": 9, "quantity": 1}]"#), "unknown-line"),
                ("warehouse.SH.shipment.confirmed", Self.confirmation(order: order, lines: #"[{"line": 1, "quantity": 2}]"#), "over-allocation"),
                ("warehouse.BJ.shipment.confirmed", Self.confirmation(order: order, lines: #"[{"line": 1, "quantity": 1}]"#), "over-allocation"),
                ("warehouse.SH.shipment.confirmed", Self.confirmation(order: order, shipment: "OK1", tracking: "OTHER"), "duplicate-shipment"),
                ("warehouse.SH.shipment.confirmed", Self.confirmation(order: order, extra: #", "box": "A""#), "undecodable"),
                ("warehouse.SH.shipment.confirmed", Self.confirmation(order: order, shippedAt: "2026-02-31T08:00:00Z"), "invalid"),
                ("warehouse.SH.shipment.confirmed", Self.confirmation(order: order, tracking: #"YT\u0000"#), "invalid"),
                ("warehouse.SH.shipment.confirmed", Self.confirmation(order: order, lines: "[]"), "invalid"),
                (
                    "warehouse.SH.shipment.confirmed",
                    Self.confirmation(order: order, lines: #"[{"line": 1, "quantity": 1}, {"line": 1, "quantity": 1}]"#), "invalid"
                ),
                ("warehouse.SH.shipment.lost", Self.confirmation(order: order), "bad-routing-key"),
            ]
            for (key, body, _) in cases { try await T.ingest(harness, key, body) }
            let rows = try await T.quarantined(harness, count: cases.count)
            #expect(rows.map(\.code) == cases.map(\.2), "\(rows.map(\.reason))")
            #expect(try await Self.shipments(harness) == 1, "nothing quarantined was recorded")
            #expect(try await T.order(harness, "WH-2")?.status == "partially_shipped")
        }
    }
}
