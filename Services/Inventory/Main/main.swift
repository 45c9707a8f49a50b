import Inventory
import ServiceKit

await ServiceMain.run(InventoryService.definition())
