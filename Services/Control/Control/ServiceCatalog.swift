import Analytics
import CRM
import Foundation
import Catalog
import Finance
import Inventory
import Messaging
import Orders
import Saga
import ServiceKit

/// Every service erpctl knows: their schemas, migrations and queues. Each service adds
/// itself here when it lands. (The sample service is a fixture of the messaging tests: erpctl
/// neither migrates nor declares it.)
public enum ServiceCatalog {
    public static var all: [ServiceDefinition] {
        [
            CatalogService.definition(), InventoryService.definition(),
            OrdersService.definition(
                outbound: (try? OutboundConfiguration(environment: ProcessInfo.processInfo.environment)) ?? OutboundConfiguration()),
            FinanceService.definition(), SagaService.definition(),
            CRMService.definition(settings: (try? CRMService.Settings(environment: ProcessInfo.processInfo.environment)) ?? CRMService.Settings()),
            AnalyticsService.definition(),
        ]
    }

    /// The policies of every service's queues and of `erp.unrouted`: what the broker's
    /// definitions file gives it.
    public static var queuePolicies: [QueuePolicy] {
        all.flatMap { $0.queues.flatMap(\.policies) } + [Topology.unroutedPolicy(Exchanges.internalUnrouted)]
    }

    public static func named(_ name: String) -> ServiceDefinition? {
        all.first { $0.name == name }
    }
}
