import Foundation
import Orders
import ServiceKit

// Besides the ERP_* settings of every service: ERP_INGEST_GENERIC_PLATFORMS and ERP_INGEST_SECRET_<PLATFORM>.
await ServiceMain.run(OrdersService.definition(configuration: IngestConfiguration(environment: ProcessInfo.processInfo.environment)))
