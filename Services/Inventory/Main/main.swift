import Foundation
import Inventory
import ServiceKit

// Besides the ERP_* settings of every service: ERP_OUTBOUND_PLATFORMS, ERP_OUTBOUND_WAREHOUSES_<PLATFORM>,
// ERP_OUTBOUND_STOCK_INTERVAL_SECONDS, ERP_SHOPIFY_LOCATION_<WAREHOUSE>, ERP_SHOPIFY_INVENTORY_ITEMS_FILE and
// ERP_INVENTORY_AVAILABILITY_INTERVAL_SECONDS (how often SKUs coming into or going out of stock are announced; default 5),
// ERP_PURCHASING_TOLERANCE_PERCENT (how much more than a purchase order line may be received; default 0).
let environment = ProcessInfo.processInfo.environment
await ServiceMain.run {
    let reader = EnvironmentReader(environment)
    return InventoryService.definition(
        stockLevels: try StockLevelSettings(environment: environment),
        availabilityInterval: .seconds(try reader.integer("ERP_INVENTORY_AVAILABILITY_INTERVAL_SECONDS", default: 5, in: 1...3_600)),
        receiptTolerancePercent: try reader.integer("ERP_PURCHASING_TOLERANCE_PERCENT", default: 0, in: 0...100))
}
