import Foundation
import Saga
import ServiceKit

// Besides the ERP_* settings of every service: ERP_SAGA_PAYMENT_TIMEOUT_SECONDS (default 1800), ERP_SAGA_RETURN_GOODS_DAYS (default 30), ERP_SHIP_BY_HOURS (default 48), ERP_SAGA_DELIVERY_DAYS (default 30), ERP_MERGE_WINDOW_SECONDS (default 0), ERP_SAGA_BACKORDERS (hold or cancel).
await ServiceMain.run { SagaService.definition(settings: try SagaService.Settings(environment: ProcessInfo.processInfo.environment)) }
