import Finance
import Foundation
import ServiceKit

// Besides the ERP_* settings of every service: ERP_PURCHASING_TOLERANCE_PERCENT (how far a supplier
// bill's quantities and prices may be off its purchase order and receipts before it is held; default 0).
await ServiceMain.run {
    let reader = EnvironmentReader(ProcessInfo.processInfo.environment)
    return FinanceService.definition(billTolerancePercent: try reader.integer("ERP_PURCHASING_TOLERANCE_PERCENT", default: 0, in: 0...100))
}
