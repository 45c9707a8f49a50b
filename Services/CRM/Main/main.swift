import CRM
import Foundation
import ServiceKit

// Besides the ERP_* settings of every service: ERP_CRM_DEFAULT_REGION (default CN).
await ServiceMain.run { CRMService.definition(settings: try CRMService.Settings(environment: ProcessInfo.processInfo.environment)) }
