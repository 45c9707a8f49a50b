import Foundation
import Saga
import ServiceKit

// Besides the ERP_* settings of every service: ERP_SAGA_PAYMENT_TIMEOUT_SECONDS (default 1800), ERP_SAGA_RETURN_GOODS_DAYS (default 30), ERP_SAGA_DELIVERY_DAYS (default 30).
await ServiceMain.run(SagaService.definition(settings: SagaService.Settings(environment: ProcessInfo.processInfo.environment)))
