import CRM
import Foundation
import Ingest
import ServiceKit

// Besides the ERP_* settings of every service: ERP_CRM_* (CRMService.Settings) and, for
// platforms' customer messages, ERP_INGEST_GENERIC_PLATFORMS and ERP_INGEST_SECRET_<PLATFORM>.
await ServiceMain.run {
    let environment = ProcessInfo.processInfo.environment
    return CRMService.definition(
        settings: try CRMService.Settings(environment: environment), ingest: try IngestConfiguration(environment: environment))
}
