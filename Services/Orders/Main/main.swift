import Foundation
import Ingest
import Orders
import ServiceKit

// Besides the ERP_* settings of every service: ERP_INGEST_GENERIC_PLATFORMS, ERP_INGEST_SECRET_<PLATFORM>, ERP_RETURN_WINDOW_DAYS,
// ERP_OUTBOUND_PLATFORMS, ERP_TRACKING_URL_<CARRIER> and ERP_SHOPIFY_LOCATION_<WAREHOUSE>.
let environment = ProcessInfo.processInfo.environment
await ServiceMain.run {
    OrdersService.definition(
        configuration: try IngestConfiguration(environment: environment), returnPolicy: try ReturnPolicy(environment: environment),
        outbound: try OutboundConfiguration(environment: environment))
}
