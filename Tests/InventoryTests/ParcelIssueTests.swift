import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import Testing

/// A parcel issues exactly its lines from the warehouse it left; the pick list shows what
/// each warehouse is to pick, oldest order first, with the lots FEFO takes.
@Suite(.timeLimit(.minutes(6))) struct ParcelIssueTests {
    @Test func aParcelIssuesOnlyItsLinesAndTheRestStaysReserved() async throws {
        try await InventoryServiceTests.withInventory { harness async throws in
            _ = try await InventoryServiceTests.receive(harness, "TEA", "SH", 10, lot: "T1", cost: 2_100)
            _ = try await InventoryServiceTests.receive(harness, "MUG", "SH", 10, lot: "M1", cost: 1_420)
            let reserved = try await harness.client.send(
                InventoryCommand.Reserve(
                    order: "SO-1", lines: [.init(line: 1, sku: "TEA", quantity: 3), .init(line: 2, sku: "MUG", quantity: 2)]))
            #expect(reserved.status == .done, "\(reserved)")
            let parcel = try await harness.client.send(
                InventoryCommand.Issue(
                    order: "SO-1", shipment: "P1", warehouse: "SH", lines: [.init(line: 1, quantity: 2)]))
            let lots = try parcel.decodeResult(InventoryResult.Issued.self).lots
            #expect(lots == [.init(sku: "TEA", warehouse: "SH", lot: "T1", quantity: 2, unitCost: Money(minorUnits: 2_100, currency: .cny))])
            let store = StockStore(schema: harness.schema)
            let tea = try await harness.pool.withTransaction { try await store.level(sku: "TEA", warehouse: "SH", in: $0) }
            #expect(tea.onHand == 8 && tea.reserved == 1, "\(tea)")
            let mug = try await harness.pool.withTransaction { try await store.level(sku: "MUG", warehouse: "SH", in: $0) }
            #expect(mug.onHand == 10 && mug.reserved == 2, "the mugs are not in this parcel: \(mug)")

            let tooMany = try await harness.client.send(
                InventoryCommand.Issue(
                    order: "SO-1", shipment: "P2", warehouse: "SH", lines: [.init(line: 1, quantity: 2)]))
            #expect(tooMany.code == "not-reserved", "\(tooMany)")
            let elsewhere = try await harness.client.send(
                InventoryCommand.Issue(
                    order: "SO-1", shipment: "P2", warehouse: "GZ", lines: [.init(line: 2, quantity: 1)]))
            #expect(elsewhere.code == "not-reserved", "\(elsewhere)")
            let unnamed = try await harness.client.send(InventoryCommand.Issue(order: "SO-1", shipment: "P2", lines: [.init(line: 2, quantity: 1)]))
            #expect(unnamed.code == "validation", "\(unnamed)")
            let rest = try await harness.client.send(
                InventoryCommand.Issue(
                    order: "SO-1", shipment: "P2", warehouse: "SH", lines: [.init(line: 1, quantity: 1), .init(line: 2, quantity: 2)]))
            #expect(rest.status == .done, "\(rest)")
            let left = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).reservations"))[0]
                .decode(Int.self, at: 0)
            #expect(left == 0, "every reserved unit has shipped")
        }
    }

    @Test func thePickListTakesLotsFirstExpiringForTheOldestOrderFirst() async throws {
        try await InventoryServiceTests.withInventory { harness async throws in
            let today = BusinessDate.today()
            _ = try await InventoryServiceTests.receive(
                harness, "TEA", "SH", 3, lot: "LATE", expiry: today.adding(days: 300).description, cost: 2_200)
            _ = try await InventoryServiceTests.receive(harness, "TEA", "SH", 2, lot: "SOON", expiry: today.adding(days: 20).description, cost: 2_100)
            _ = try await InventoryServiceTests.receive(harness, "TEA", "GZ", 9, lot: "G1", cost: 2_100)
            for order in ["SO-OLD", "SO-NEW"] {
                let reserved = try await harness.client.send(
                    InventoryCommand.Reserve(
                        order: order, lines: [.init(line: 1, sku: "TEA", quantity: 2)], shippingRegion: "east"))
                #expect(reserved.status == .done, "\(reserved)")
            }
            let list = try await InventoryReports(schema: harness.schema).pickList(warehouse: "SH", harness.pool)
            let rows = list.rows.map { [$0[0], $0[4], $0[5]] }
            #expect(rows == [["SO-OLD", "SOON", "2"], ["SO-NEW", "LATE", "2"]], "\(list.table)")
            let csv = list.csv.split(separator: "\n").map(String.init)
            #expect(csv.first == "order,line,sku,quantity,lot,take,expiry,reserved_at,note")
            #expect(csv.count == 3)
            let onlyNew = try await InventoryReports(schema: harness.schema).pickList(warehouse: "SH", orders: ["SO-NEW"], harness.pool)
            let onlyNewOrders = onlyNew.rows.map { $0[0] }
            #expect(onlyNewOrders == ["SO-NEW"], "only the orders named (erpctl names the allocated ones)")
            let other = try await InventoryReports(schema: harness.schema).pickList(warehouse: "GZ", harness.pool)
            #expect(other.rows.isEmpty, "nothing is allocated in Guangzhou")
        }
    }

    @Test func aRereservationIsAllOrNothingAndARefusalKeepsWhatWasHeld() async throws {
        try await InventoryServiceTests.withInventory { harness async throws in
            _ = try await InventoryServiceTests.receive(harness, "TEA", "SH", 10, lot: "T1", cost: 2_100)
            let store = StockStore(schema: harness.schema)
            func reserved() async throws -> Int {
                try await harness.pool.withTransaction { try await store.level(sku: "TEA", warehouse: "SH", in: $0) }.reserved
            }
            #expect(
                try await harness.client.send(InventoryCommand.Reserve(order: "SO-1", lines: [.init(line: 1, sku: "TEA", quantity: 3)])).status
                    == .done)
            let more = try await harness.client.send(InventoryCommand.Rereserve(order: "SO-1", lines: [.init(line: 1, sku: "TEA", quantity: 5)]))
            #expect(more.status == .done, "\(more)")
            #expect(try await reserved() == 5, "the three held became five")
            let tooMany = try await harness.client.send(
                InventoryCommand.Rereserve(
                    order: "SO-1", lines: [.init(line: 1, sku: "TEA", quantity: 5), .init(line: 2, sku: "TEA", quantity: 6)]))
            #expect(tooMany.code == "insufficient-stock", "\(tooMany)")
            #expect(try await reserved() == 5, "refused: the order keeps the five it held")
        }
    }
}
