import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Synchronization
import Testing

/// The platforms are told how many units they may sell: the sum over the warehouses that
/// serve each, only when it changed, and Shopify per location and inventory item.
@Suite(.timeLimit(.minutes(6))) struct StockLevelTests {
    static let settings = StockLevelSettings(
        platforms: ["web", "shopify"], warehouses: ["web": ["SH", "GZ"]], interval: .seconds(1), shopifyLocations: ["SH": 77],
        shopifyItems: ["TEA": 901])

    static func withInventory(rounds: Rounds = Rounds(), _ body: (ServiceHarness) async throws -> Void) async throws {
        try await ServiceHarness.run(
            prefix: "t_lvl",
            { schema, queue, exchange in
                InventoryService.definition(
                    schema: schema, queue: queue, commandsExchange: exchange, stockLevels: settings, outboundExchange: "\(queue).outbound",
                    onStockLevelRound: { rounds.count.withLock { $0 += 1 } })
            }
        ) { harness in
            for (code, region) in [("SH", "east"), ("GZ", "south"), ("BJ", "north")] {
                _ = try await harness.client.send(InventoryCommand.AddWarehouse(code: code, name: code, region: region))
            }
            try await body(harness)
        }
    }

    static func waiting(_ harness: ServiceHarness, _ platform: String, atLeast count: Int) async throws -> [AMQPDeliveryBody] {
        var messages: [AMQPDeliveryBody] = []
        _ = try await eventually(within: 15) {
            messages = try await QueuePeek.messages("\(harness.schema).commands.outbound.\(platform)", broker: ServiceHarness.environment.broker)
                .map { AMQPDeliveryBody(routingKey: $0.routingKey, body: $0.body) }
            return messages.count >= count
        }
        return messages
    }

    struct AMQPDeliveryBody: Equatable { let routingKey: String; let body: Data }

    /// Whether the last level told to `platform` comes to satisfy `condition`.
    static func eventuallyLast(_ harness: ServiceHarness, _ platform: String, _ condition: @escaping @Sendable (Outbound.InventoryLevel) -> Bool)
        async throws -> Bool
    {
        try await eventually(within: 15) {
            let messages = try await QueuePeek.messages("\(harness.schema).commands.outbound.\(platform)", broker: ServiceHarness.environment.broker)
            guard let last = messages.last else { return false }
            return condition(try MessageCoding.decoder().decode(Outbound.InventoryLevel.self, from: last.body))
        }
    }

    /// How many rounds the stock level publisher has done.
    final class Rounds: Sendable {
        let count = Mutex(0)
    }

    @Test func eachPlatformIsToldItsAvailableUnitsWhenTheyChangeAndShopifyPerLocation() async throws {
        let rounds = Rounds()
        try await Self.withInventory(rounds: rounds) { harness async throws in
            _ = try await InventoryServiceTests.receive(harness, "TEA", "SH", 10)
            _ = try await InventoryServiceTests.receive(harness, "TEA", "GZ", 5)
            _ = try await InventoryServiceTests.receive(harness, "TEA", "BJ", 100)
            let told15 = try await Self.eventuallyLast(harness, "web") { $0.sku == "TEA" && $0.available == 15 }
            #expect(told15, "SH and GZ serve web, BJ does not")
            let first = try await Self.waiting(harness, "web", atLeast: 1)
            let keys = Set(first.map(\.routingKey))
            #expect(keys == ["platform.web.inventory.level"])
            let reserved = try await harness.client.send(
                InventoryCommand.Reserve(
                    order: "SO-1", lines: [.init(line: 1, sku: "TEA", quantity: 4)], shippingRegion: "east"))
            #expect(reserved.status == .done)
            let told11 = try await Self.eventuallyLast(harness, "web") { $0.available == 11 }
            #expect(told11, "four reserved in SH")
            // Nothing changes: nothing more is sent. (A queue just peeked at may show fewer
            // messages for a moment while they go back: counts are waited for, not read once.)
            let sent = try await Self.waiting(harness, "web", atLeast: 2).count
            // Two more whole rounds: either would have sent a change.
            let after = rounds.count.withLock { $0 } + 2
            let twoMoreRounds = try await eventually { rounds.count.withLock { $0 } >= after }
            #expect(twoMoreRounds)
            let quiet = try await Self.waiting(harness, "web", atLeast: sent)
            #expect(quiet.count == sent)

            let shopifyTold = try await eventually(within: 15) {
                let messages = try await QueuePeek.messages("\(harness.schema).commands.outbound.shopify", broker: ServiceHarness.environment.broker)
                guard let last = messages.last, let body = try JSONSerialization.jsonObject(with: last.body) as? [String: Any] else { return false }
                return body["location_id"] as? Int == 77 && body["inventory_item_id"] as? Int == 901 && body["available"] as? Int == 6
            }
            #expect(shopifyTold, "Shopify location 77 (SH) has 6 of item 901 (TEA) available")
        }
    }

    @Test func badStockLevelSettingsAreRefusedByName() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("items-\(UUID().uuidString).csv")
        try Data("sku,inventory_item_id\nTEA,x\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        for (name, value) in [
            ("ERP_OUTBOUND_STOCK_INTERVAL_SECONDS", "0"), ("ERP_OUTBOUND_PLATFORMS", "web,shop ify"), ("ERP_SHOPIFY_LOCATION_SH", "-1"),
            ("ERP_SHOPIFY_INVENTORY_ITEMS_FILE", "/nonexistent/items.csv"), ("ERP_SHOPIFY_INVENTORY_ITEMS_FILE", file.path),
        ] {
            #expect(throws: ConfigurationError.self, "\(name)=\(value)") { try StockLevelSettings(environment: [name: value]) }
        }
        try Data("sku,inventory_item_id\nTEA,901\n\nMUG, 902\n".utf8).write(to: file)
        let read = try StockLevelSettings(environment: [
            "ERP_SHOPIFY_INVENTORY_ITEMS_FILE": file.path, "ERP_OUTBOUND_WAREHOUSES_WEB": "SH, GZ", "ERP_OUTBOUND_STOCK_INTERVAL_SECONDS": "2",
        ])
        #expect(read.shopifyItems == ["TEA": 901, "MUG": 902])
        #expect(read.warehouses == ["web": ["SH", "GZ"]])
        #expect(read.interval == .seconds(2))
    }
}
