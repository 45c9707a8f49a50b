import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import Testing

/// The reports and the invariant check over stock the running service has changed.
@Suite(.timeLimit(.minutes(6))) struct InventoryReportsTests {
    static func rows(_ table: ReportTable) -> [[String: String]] {
        table.rows.map { row in Dictionary(uniqueKeysWithValues: zip(table.columns, row.map { $0 ?? "" })) }
    }

    @Test func reportsShowLevelsValueExpiryStockOutsAndSlowMovers() async throws {
        try await InventoryServiceTests.withInventory { harness async throws in
            let today = BusinessDate.today()
            _ = try await InventoryServiceTests.receive(harness, "TEA", "SH", 10, lot: "OLD", expiry: today.adding(days: 5).description, cost: 2_100)
            _ = try await InventoryServiceTests.receive(harness, "TEA", "SH", 5, lot: "NEW", expiry: today.adding(days: 200).description, cost: 2_250)
            _ = try await InventoryServiceTests.receive(harness, "MUG", "GZ", 2, cost: 1_420)
            _ = try await harness.client.send(InventoryCommand.Reserve(order: "SO-1", lines: [.init(line: 1, sku: "MUG", quantity: 2)]))
            _ = try await harness.client.send(InventoryCommand.Issue(order: "SO-1"))
            let reports = InventoryReports(schema: harness.schema)

            let levels = Self.rows(try await reports.levels(harness.pool))
            let fifteenTeaAvailable = levels.first { $0["sku"] == "TEA" }?["available"] == "15"
            #expect(fifteenTeaAvailable)
            let valuation = Self.rows(try await reports.valuation(harness.pool))
            let teaValuedAtItsLotCosts = valuation.first { $0["sku"] == "TEA" }?["value"] == "322.50"
            #expect(teaValuedAtItsLotCosts, "10 × 21.00 + 5 × 22.50")
            let expiring = Self.rows(try await reports.expiring(withinDays: 30, harness.pool))
            let onlyOldLotExpiring = expiring.map { $0["lot"] } == ["OLD"]
            #expect(onlyOldLotExpiring)
            #expect(expiring.first?["days_left"] == "5")
            let outs = Self.rows(try await reports.stockOuts(harness.pool))
            let onlyMugOutOfStock = outs.map { $0["sku"] } == ["MUG"]
            #expect(onlyMugOutOfStock)
            let slow = Self.rows(try await reports.slowMovers(days: 30, harness.pool))
            let onlyTeaSlowMoving = slow.map { $0["sku"] } == ["TEA"]
            #expect(onlyTeaSlowMoving, "MUG was issued today; TEA never")
            let json = try await reports.levels(sku: "TEA", harness.pool).json
            #expect(json.contains("\"on_hand\" : 15"), "numbers stay numbers in JSON: \(json)")
        }
    }

    @Test func theCheckNamesATransferWhoseUnitsDidNotArrive() async throws {
        try await InventoryServiceTests.withInventory { harness async throws in
            _ = try await InventoryServiceTests.receive(harness, "A", "SH", 5)
            _ = try await harness.client.send(InventoryCommand.StartTransfer(transfer: "T-1", sku: "A", from: "SH", to: "GZ", quantity: 2))
            let invariants = StockInvariants(schema: harness.schema)
            #expect(try await invariants.check(harness.pool).allSatisfy(\.held))
            // Damage the books by hand: mark the transfer received without moving anything.
            try await harness.pool.query(PostgresQuery(unsafeSQL: "UPDATE \(harness.schema).transfers SET status = 'received' WHERE id = 'T-1'"))
            let broken = try await invariants.check(harness.pool).filter { !$0.held }
            #expect(broken.map(\.name) == ["every transfer left its source once and arrived (or went back) once"])
            #expect(broken.first?.violations == ["T-1 (received, 2 units): out 2, in 0"])
        }
    }
}
