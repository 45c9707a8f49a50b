import Foundation
import ServiceKit

/// What the platforms are told of stock, and how often: the platforms
/// (`ERP_OUTBOUND_PLATFORMS`, default `web,shopify`), the warehouses that serve each
/// (`ERP_OUTBOUND_WAREHOUSES_<PLATFORM>`, comma separated; default every warehouse), at most
/// one level per SKU per `ERP_OUTBOUND_STOCK_INTERVAL_SECONDS` (default 5), and for Shopify
/// its location per warehouse (`ERP_SHOPIFY_LOCATION_<WAREHOUSE>`) and inventory item per SKU
/// (`ERP_SHOPIFY_INVENTORY_ITEMS_FILE`: CSV lines `sku,inventory_item_id`).
public struct StockLevelSettings: Sendable, Equatable {
    public var platforms: [String]
    /// Platform → the warehouses that serve it; a platform not named here is served by every warehouse.
    public var warehouses: [String: [String]]
    public var interval: Duration
    public var shopifyLocations: [String: Int64]
    public var shopifyItems: [String: Int64]

    public init(
        platforms: [String] = ["shopify", "web"], warehouses: [String: [String]] = [:], interval: Duration = .seconds(5),
        shopifyLocations: [String: Int64] = [:], shopifyItems: [String: Int64] = [:]
    ) {
        (self.platforms, self.warehouses, self.interval) = (platforms.sorted(), warehouses, interval)
        (self.shopifyLocations, self.shopifyItems) = (shopifyLocations, shopifyItems)
    }

    public init(environment: [String: String]) throws {
        let reader = EnvironmentReader(environment)
        var warehouses: [String: [String]] = [:]
        for (name, value) in environment where name.hasPrefix("ERP_OUTBOUND_WAREHOUSES_") && !value.isEmpty {
            let platform = String(name.dropFirst("ERP_OUTBOUND_WAREHOUSES_".count)).lowercased().replacingOccurrences(of: "_", with: "-")
            warehouses[platform] = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var items: [String: Int64] = [:]
        if let path = reader.value("ERP_SHOPIFY_INVENTORY_ITEMS_FILE") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError(variable: "ERP_SHOPIFY_INVENTORY_ITEMS_FILE", value: path, expected: "a readable UTF-8 file")
            }
            items = try Self.items(text, path: path)
        }
        self.init(
            platforms: try reader.outboundPlatforms(), warehouses: warehouses,
            interval: .seconds(try reader.integer("ERP_OUTBOUND_STOCK_INTERVAL_SECONDS", default: 5, in: 1...3600)),
            shopifyLocations: try reader.shopifyLocations(), shopifyItems: items)
    }

    /// `sku,inventory_item_id` per line (a header line `sku,...` and blank lines are skipped).
    static func items(_ text: String, path: String) throws -> [String: Int64] {
        var items: [String: Int64] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.isEmpty || fields == [""] || (index == 0 && fields.first?.lowercased() == "sku") { continue }
            guard fields.count == 2, !fields[0].isEmpty, let id = Int64(fields[1]), id > 0 else {
                throw ConfigurationError(
                    variable: "ERP_SHOPIFY_INVENTORY_ITEMS_FILE", value: "\(path) line \(index + 1): \(line)",
                    expected: "sku,inventory_item_id (a positive whole number)")
            }
            items[fields[0]] = id
        }
        return items
    }
}
