import Contracts
import Foundation
import Messaging

/// What recommendations are kept from (``RecommendationStore``), besides the orders the CRM
/// already takes (CRMHandlers.orderPlaced adds each new order's purchase) and the views that
/// come through intake (`platform.<platform>.customer.viewed`, Handlers/IngestHandlers.swift):
/// the catalog's SKUs and products (active, category), inventory's availability and returned
/// units.
struct RecommendationHandlers: Sendable {
    let store: RecommendationStore

    func register(in registry: inout MessageHandlers) {
        registry.on(CatalogEvent.SKUChanged.self) { event, context in
            try await store.skuChanged(
                event.code, product: event.product, active: event.active, at: context.envelope.occurredAt, in: context.transaction)
        }
        registry.on(CatalogEvent.ProductChanged.self) { event, context in
            try await store.productChanged(
                event.code, category: event.category, active: event.active, at: context.envelope.occurredAt, in: context.transaction)
        }
        registry.on(CatalogEvent.ProductDeactivated.self) { event, context in
            try await store.productWithdrawn(event.code, at: context.envelope.occurredAt, in: context.transaction)
        }
        registry.on(CatalogEvent.ProductDeleted.self) { event, context in
            try await store.productWithdrawn(event.code, at: context.envelope.occurredAt, in: context.transaction)
        }
        registry.on(InventoryEvent.AvailabilityChanged.self) { event, context in
            try await store.availability(event.sku, inStock: event.inStock, in: context.transaction)
        }
        // Units back from a customer count against the pairs of their SKU with the rest of the order.
        registry.on(InventoryEvent.Returned.self) { event, context in
            guard let order = event.order.flatMap(Int64.init), event.quantity > 0 else { return }
            try await store.recordReturn(order: order, sku: event.sku, quantity: event.quantity, in: context.transaction)
        }
    }

    static let consumedEvents: [MessageType] = [
        CatalogEvent.SKUChanged.type, CatalogEvent.ProductChanged.type, CatalogEvent.ProductDeactivated.type, CatalogEvent.ProductDeleted.type,
        InventoryEvent.AvailabilityChanged.type, InventoryEvent.Returned.type,
    ]
}
