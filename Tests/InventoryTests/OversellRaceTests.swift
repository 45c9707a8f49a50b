import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceTestSupport
import Testing

/// No oversell, ever: reservations race through the real queue, handled by two service
/// instances consuming it at once (each in batches, each batch one transaction).
@Suite(.timeLimit(.minutes(6))) struct OversellRaceTests {
    @Test func twoHundredReservationsThroughTheQueueForTheLastTenUnitsReserveExactlyTenAndRefuse190() async throws {
        try await InventoryServiceTests.withInventory(instances: 2) { harness in
            _ = try await InventoryServiceTests.receive(harness, "LAST", "SH", 10)
            let commands = try (0..<200).map { order in
                try harness.client.envelope(InventoryCommand.Reserve(order: "SO-\(order)", lines: [.init(line: 1, sku: "LAST", quantity: 1)]))
            }
            let outcomes = try await harness.client.send(commands, timeout: .seconds(90))
            let exactlyTenReserved = outcomes.values.filter { $0.status == .done }.count == 10
            #expect(exactlyTenReserved)
            let refused = outcomes.values.filter { $0.status == .refused }
            let histogram = Dictionary(grouping: outcomes.values, by: { "\($0.status) \($0.code ?? "") \($0.reason?.prefix(60) ?? "")" }).mapValues(
                \.count)
            #expect(refused.count == 190, "\(histogram)")
            let allRefusedForInsufficientStock = refused.allSatisfy {
                $0.code == "insufficient-stock" && $0.reason?.contains("LAST short by 1") == true
            }
            #expect(allRefusedForInsufficientStock)
            let row = try await harness.pool.query(
                PostgresQuery(unsafeSQL: "SELECT on_hand, reserved FROM \(harness.schema).stock WHERE sku = 'LAST'"))[0]
            #expect(try row.decode(Int.self, at: 0) == 10)
            #expect(try row.decode(Int.self, at: 1) == 10)
            let reservations = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).reservations"))
            #expect(try reservations[0].decode(Int.self, at: 0) == 10)
            #expect(try await StockInvariants(schema: harness.schema).check(harness.pool).allSatisfy(\.held))
        }
    }

    @Test func multiSKUOrdersInOppositeOrdersAllReserveDespiteLockConflicts() async throws {
        try await InventoryServiceTests.withInventory(instances: 2) { harness in
            for sku in ["P", "Q", "R"] { _ = try await InventoryServiceTests.receive(harness, sku, "SH", 150) }
            let commands = try (0..<150).map { order in
                let skus = order % 2 == 0 ? ["P", "Q", "R"] : ["R", "Q", "P"]
                return try harness.client.envelope(
                    InventoryCommand.Reserve(
                        order: "SO-\(order)", lines: skus.enumerated().map { .init(line: $0.offset + 1, sku: $0.element, quantity: 1) }))
            }
            let outcomes = try await harness.client.send(commands, timeout: .seconds(90))
            #expect(outcomes.count == 150)
            let allReserved = outcomes.values.allSatisfy { $0.status == .done }
            let notDone = outcomes.values.filter { $0.status != .done }.prefix(3)
            #expect(allReserved, "\(notDone)")
            let reserved = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT sum(reserved)::int FROM \(harness.schema).stock"))
            #expect(try reserved[0].decode(Int.self, at: 0) == 450)
            #expect(try await StockInvariants(schema: harness.schema).check(harness.pool).allSatisfy(\.held))
        }
    }
}
