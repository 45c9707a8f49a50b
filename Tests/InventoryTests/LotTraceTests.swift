import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Lot trace and recall through the real broker and database.
@Suite(.timeLimit(.minutes(6))) struct LotTraceTests {
    static func reserveAndIssue(_ harness: ServiceHarness, order: String, sku: String, quantity: Int, shipment: String) async throws {
        let reserved = try await harness.client.send(InventoryCommand.Reserve(order: order, lines: [.init(line: 1, sku: sku, quantity: quantity)]))
        #expect(reserved.status == .done, "\(reserved)")
        let issued = try await harness.client.send(InventoryCommand.Issue(order: order, shipment: shipment))
        #expect(issued.status == .done, "\(issued)")
    }

    static func invariantsHold(_ harness: ServiceHarness) async throws -> [String] {
        try await StockInvariants(schema: harness.schema).check(harness.pool).filter { !$0.held }.map { "\($0.name): \($0.violations)" }
    }

    @Test func aTraceFindsTheReceiptEveryOrderItsReturnsTransfersAndWhatIsLeftWhere() async throws {
        try await InventoryServiceTests.withInventory { harness in
            _ = try await InventoryServiceTests.receive(harness, "TEA", "SH", 20, lot: "L-7", expiry: "2027-06-30")
            for order in ["101", "102", "103"] {
                try await Self.reserveAndIssue(harness, order: order, sku: "TEA", quantity: 3, shipment: "P-\(order)")
            }
            let back = try await harness.client.send(
                InventoryCommand.ReturnOrderStock(order: "102", reference: "RMA-102", items: [.init(sku: "TEA", quantity: 2, condition: .quarantine)])
            )
            #expect(back.status == .done, "\(back)")
            let moved = try await harness.client.send(InventoryCommand.StartTransfer(transfer: "T-L7", sku: "TEA", from: "SH", to: "GZ", quantity: 4))
            #expect(moved.status == .done, "\(moved)")

            let trace = try await LotTrace.of(lot: "L-7", sku: nil, schema: harness.schema, harness.pool)
            let receipts = trace.receipts.map { "\($0.warehouse) \($0.quantity) \($0.reference ?? "")" }
            let shipments = trace.issues.map { $0.shipment ?? "" }
            let returns = trace.returns.map { "\($0.order ?? "") \($0.quantity)" }
            let transfers = trace.transfers.map { "\($0.kind) \($0.quantity)" }
            #expect(receipts == ["SH 20 PO-1"])
            #expect(trace.orders == ["101", "102", "103"])
            #expect(shipments == ["P-101", "P-102", "P-103"])
            #expect(returns == ["102 2"], "\(trace.returns)")
            #expect(transfers == ["transfer_out -4"])
            let left = trace.remaining.map { "\($0.warehouse) \($0.onHand)/\($0.quarantined)/\($0.inTransit)" }
            #expect(left == ["GZ 0/0/4", "SH 7/2/0"], "20 − 9 issued − 4 in transit; 2 back into quarantine: \(left)")
        }
    }

    @Test func aRecalledLotIsNeverIssuedAgainAndWhatIsLeftOfItGoesToQuarantine() async throws {
        try await InventoryServiceTests.withInventory { harness in
            // L-OLD expires first: FEFO would take it.
            _ = try await InventoryServiceTests.receive(harness, "OIL", "SH", 10, lot: "L-OLD", expiry: "2027-01-31")
            _ = try await InventoryServiceTests.receive(harness, "OIL", "SH", 10, lot: "L-NEW", expiry: "2027-12-31")
            try await Self.reserveAndIssue(harness, order: "201", sku: "OIL", quantity: 2, shipment: "P-201")
            // 202 holds 15 of the 18 left; recalling 8 of L-OLD leaves 10 on hand: 202 is released.
            let held = try await harness.client.send(InventoryCommand.Reserve(order: "202", lines: [.init(line: 1, sku: "OIL", quantity: 15)]))
            #expect(held.status == .done, "\(held)")

            let outcome = try await harness.client.send(InventoryCommand.RecallLot(lot: "L-OLD", reason: "contaminated batch"))
            let recalled = try outcome.decodeResult(InventoryResult.Recalled.self)
            #expect(recalled == InventoryResult.Recalled(lot: "L-OLD", skus: ["OIL"], quarantined: 8, affectedOrders: ["201"], unreserved: ["202"]))
            let types = try await harness.outboxTypes()
            #expect(types.contains(InventoryEvent.LotRecalled.type.rawValue))
            #expect(types.contains(InventoryEvent.OrderLotRecalled.type.rawValue), "for a notification rule to tell 201's customer")

            try await Self.reserveAndIssue(harness, order: "203", sku: "OIL", quantity: 5, shipment: "P-203")
            let trace = try await LotTrace.of(lot: "L-OLD", sku: "OIL", schema: harness.schema, harness.pool)
            #expect(trace.orders == ["201"], "203 was served from L-NEW")
            let left = trace.remaining.map { "\($0.onHand)/\($0.quarantined)" }
            #expect(left == ["0/8"])
            #expect(trace.recalls.map(\.reason) == ["contaminated batch"])

            // Units of it coming back go to quarantine however they are described; none restocked; none received.
            let back = try await harness.client.send(
                InventoryCommand.ReturnOrderStock(order: "201", reference: "RMA-201", items: [.init(sku: "OIL", quantity: 1, condition: .sellable)]))
            let returned = try back.decodeResult(InventoryResult.OrderStockReturned.self)
            #expect(returned.lots.map(\.condition) == [.quarantine])
            let restock = try await harness.client.send(
                InventoryCommand.Adjust(sku: "OIL", warehouse: "SH", lot: "L-OLD", delta: 1, reason: "inspected", quarantine: .restock))
            #expect(restock.status == .refused, "\(restock)")
            #expect(restock.reason?.contains("recalled") == true, "\(restock)")
            let receipt = try await InventoryServiceTests.receive(harness, "OIL", "SH", 5, lot: "L-OLD")
            #expect(receipt.code == "recalled-lot", "\(receipt)")
            let again = try await harness.client.send(InventoryCommand.RecallLot(lot: "L-OLD", sku: "OIL", reason: "again"))
            #expect(again.code == "already-recalled", "\(again)")
            let unknown = try await harness.client.send(InventoryCommand.RecallLot(lot: "L-NONE", reason: "?"))
            #expect(unknown.code == "unknown-lot", "\(unknown)")
            #expect(try await Self.invariantsHold(harness) == [])
        }
    }
}
