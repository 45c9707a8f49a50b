import Foundation
import Inventory
import ServiceKit

// Besides the ERP_* settings of every service: ERP_OUTBOUND_PLATFORMS, ERP_OUTBOUND_WAREHOUSES_<PLATFORM>,
// ERP_OUTBOUND_STOCK_INTERVAL_SECONDS, ERP_SHOPIFY_LOCATION_<WAREHOUSE> and ERP_SHOPIFY_INVENTORY_ITEMS_FILE.
let environment = ProcessInfo.processInfo.environment
await ServiceMain.run { InventoryService.definition(stockLevels: try StockLevelSettings(environment: environment)) }
