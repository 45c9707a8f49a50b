import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// The other services are told when a SKU comes into stock or goes out of it, over every
/// warehouse, and not of every change in between.
@Suite(.timeLimit(.minutes(6))) struct AvailabilityTests {
    static func announced(_ harness: ServiceHarness) async throws -> Int {
        try await harness.outboxTypes().filter { $0 == InventoryEvent.AvailabilityChanged.type.rawValue }.count
    }

    static func told(_ harness: ServiceHarness, _ sku: String) async throws -> Int? {
        try await harness.pool.query("SELECT available FROM \(identifier: harness.schema).availability_told WHERE sku = \(sku)").first?.decode(
            Int.self, at: 0)
    }

    @Test func aSKUComingIntoStockAndGoingOutOfItIsAnnouncedOnceEach() async throws {
        try await ServiceHarness.run(
            prefix: "t_avail",
            { schema, queue, exchange in
                InventoryService.definition(schema: schema, queue: queue, commandsExchange: exchange, availabilityInterval: .milliseconds(200))
            }
        ) { harness in
            for (code, region) in [("SH", "east"), ("GZ", "south")] {
                _ = try await harness.client.send(InventoryCommand.AddWarehouse(code: code, name: code, region: region))
            }
            _ = try await InventoryServiceTests.receive(harness, "TEA", "SH", 3)
            let inStock = try await eventually { try await Self.announced(harness) == 1 }
            #expect(inStock, "TEA came into stock")
            #expect(try await Self.told(harness, "TEA") == 3)
            _ = try await InventoryServiceTests.receive(harness, "TEA", "GZ", 2)
            let reserved = try await harness.client.send(
                InventoryCommand.Reserve(
                    order: "SO-1", lines: [.init(line: 1, sku: "TEA", quantity: 3)], shippingRegion: "east"))
            #expect(reserved.status == .done, "\(reserved)")
            let reservedAll = try await harness.client.send(
                InventoryCommand.Reserve(
                    order: "SO-2", lines: [.init(line: 1, sku: "TEA", quantity: 2)], shippingRegion: "south"))
            #expect(reservedAll.status == .done, "\(reservedAll)")
            let outOfStock = try await eventually { try await Self.told(harness, "TEA") == 0 }
            #expect(outOfStock, "all five reserved over both warehouses")
            #expect(try await Self.announced(harness) == 2, "in, then out: the changes in between were not announced")
            let released = try await harness.client.send(InventoryCommand.Release(order: "SO-2"))
            #expect(released.status == .done)
            let back = try await eventually { try await Self.announced(harness) == 3 }
            #expect(back, "two released: in stock again")
            #expect(try await Self.told(harness, "TEA") == 2)
        }
    }
}
