import Foundation
import Orders
import ServiceKit

// Besides the ERP_* settings of every service: ERP_INGEST_GENERIC_PLATFORMS, ERP_INGEST_SECRET_<PLATFORM> and ERP_RETURN_WINDOW_DAYS.
let environment = ProcessInfo.processInfo.environment
await ServiceMain.run {
    OrdersService.definition(configuration: IngestConfiguration(environment: environment), returnPolicy: try ReturnPolicy(environment: environment))
}
