import Contracts
import Messaging
import ServiceKit

/// The catalog service: products, SKUs and their variants, prices, barcodes, categories,
/// tags, images and translations. It consumes `catalog.commands` (every `catalog.*`
/// command) and `catalog.events` (inventory's issue events, which mark SKUs as sold).
/// The handlers are in `Handlers/`.
public enum CatalogService {
    public static let name = "catalog"

    /// `queuePrefix` names the queues `<prefix>.commands` and `<prefix>.events`; tests give
    /// each service its own prefix and exchanges.
    public static func definition(
        schema: String = "catalog", queuePrefix: String = "catalog", commandsExchange: String = Exchanges.commands,
        eventsExchange: String = Exchanges.events
    ) -> ServiceDefinition {
        let handlers = CatalogHandlers(store: CatalogStore(schema: schema))
        var registry = MessageHandlers()
        handlers.register(in: &registry)
        return ServiceDefinition(
            name: name, schema: schema, defaultHTTPPort: 8091, migrations: CatalogMigrations.all,
            queues: [
                ServiceQueue(name: "\(queuePrefix).commands", bindings: [QueueBinding(exchange: commandsExchange, routingKey: "catalog.#")]),
                ServiceQueue(
                    name: "\(queuePrefix).events",
                    bindings: [QueueBinding(exchange: eventsExchange, routingKey: InventoryEvent.Issued.type.rawValue)]),
            ],
            handlers: registry)
    }
}

/// The catalog's handlers: each validates its command, writes through ``CatalogStore``
/// and publishes what other services copy (product and SKU events).
struct CatalogHandlers: Sendable {
    let store: CatalogStore

    func register(in registry: inout MessageHandlers) {
        registry.command(CatalogCommand.CreateCategory.self) { command, context in
            try ProductRules.code(command.code, "category code")
            try Self.requireName(command.name)
            try await store.createCategory(code: command.code, name: command.name, parent: command.parent, in: context.transaction)
            return CatalogResult.Done()
        }
        registry.command(CatalogCommand.MoveCategory.self) { command, context in
            try await store.moveCategory(code: command.code, parent: command.parent, in: context.transaction)
            return CatalogResult.Done()
        }
        registry.command(CatalogCommand.RenameCategory.self) { command, context in
            try Self.requireName(command.name)
            try await store.renameCategory(code: command.code, name: command.name, in: context.transaction)
            return CatalogResult.Done()
        }
        registry.command(CatalogCommand.CreateProduct.self) { command, context in
            try await write(command.product, mode: .create, context)
        }
        registry.command(CatalogCommand.UpdateProduct.self) { command, context in
            try await write(command.product, mode: .update, context)
        }
        registry.command(CatalogCommand.DeactivateProduct.self, deactivate)
        registry.command(CatalogCommand.DeleteProduct.self) { command, context in
            try await store.delete(product: command.code, in: context.transaction)
            try await context.publish(event: CatalogEvent.ProductDeleted(code: command.code))
            return CatalogResult.Done()
        }
        registry.command(CatalogCommand.SetVariants.self) { command, context in
            let result = try await store.setVariants(command, in: context.transaction)
            try await publishSKUs(of: command.product, context)
            return result
        }
        registry.command(CatalogCommand.SetPrice.self) { command, context in
            try await store.setPrice(sku: command.sku, price: command.price, in: context.transaction)
            try await publishSKUs(of: try await store.productOfSKU(command.sku, in: context.transaction), context, only: command.sku)
            return CatalogResult.Done()
        }
        registry.command(CatalogCommand.SetBarcode.self) { command, context in
            try await store.setBarcode(sku: command.sku, barcode: command.barcode, in: context.transaction)
            try await publishSKUs(of: try await store.productOfSKU(command.sku, in: context.transaction), context, only: command.sku)
            return CatalogResult.Done()
        }
        registry.command(CatalogCommand.SetTranslation.self) { command, context in
            try await store.setTranslation(command, in: context.transaction)
            return CatalogResult.Done()
        }
        registry.command(CatalogCommand.ImportProducts.self, importProducts)
        registry.command(CatalogCommand.RepublishSKUs.self) { _, context in
            var count = 0
            for product in try await store.productCodes(in: context.transaction) {
                count += try await publishSKUs(of: product, context).count
            }
            return CatalogResult.Republished(skus: count)
        }
        registry.on(InventoryEvent.Issued.self) { event, context in
            try await store.markSold(skus: Array(Set(event.lots.map(\.sku))).sorted(), in: context.transaction)
        }
    }

    static func requireName(_ name: String) throws(CommandRefused) {
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else { throw CommandRefused("validation", "a name must be 1 to 200 characters") }
    }

    func write(_ draft: CatalogCommand.ProductDraft, mode: CatalogStore.Mode, _ context: HandlerContext) async throws -> CatalogResult.Product {
        try await store.write(draft, mode: mode, in: context.transaction)
        return try await publishProduct(draft.code, context)
    }

    func deactivate(_ command: CatalogCommand.DeactivateProduct, _ context: HandlerContext) async throws -> CatalogResult.Product {
        try await store.deactivate(product: command.code, in: context.transaction)
        try await context.publish(event: CatalogEvent.ProductDeactivated(code: command.code))
        return try await publishProduct(command.code, context)
    }

    /// Publishes the product and its SKUs as they now are; returns the product's summary.
    @discardableResult
    func publishProduct(_ code: String, _ context: HandlerContext) async throws -> CatalogResult.Product {
        let product = try await store.productEvent(code, in: context.transaction)
        try await context.publish(event: product)
        let skus = try await publishSKUs(of: code, context)
        return CatalogResult.Product(code: code, active: product.active, skus: skus)
    }

    @discardableResult
    func publishSKUs(of product: String, _ context: HandlerContext, only: String? = nil) async throws -> [String] {
        let skus = try await store.skuEvents(product: product, in: context.transaction)
        for sku in skus where only == nil || sku.code == only { try await context.publish(event: sku) }
        return skus.map(\.code)
    }

    /// Each row in its own savepoint: a bad row is reported with its line and undone alone;
    /// with `atomic`, the first bad row refuses the whole import.
    func importProducts(_ command: CatalogCommand.ImportProducts, _ context: HandlerContext) async throws -> CatalogResult.Imported {
        guard !command.rows.isEmpty else { throw CommandRefused("validation", "the import has no rows") }
        guard command.rows.count <= 10_000 else { throw CommandRefused("validation", "an import command holds at most 10,000 rows") }
        let tx = context.transaction
        var created = 0, updated = 0
        var failed: [CatalogResult.RowError] = []
        for row in command.rows {
            try await tx.query("SAVEPOINT erp_import_row")
            do {
                switch try await store.write(row.product, mode: .upsert, in: tx) {
                case .created: created += 1
                case .updated: updated += 1
                }
                try await tx.query("RELEASE SAVEPOINT erp_import_row")
                try await publishProduct(row.product.code, context)
            } catch let refused as CommandRefused {
                if command.atomic {
                    throw CommandRefused(refused.code, "line \(row.line) (\(row.product.code)): \(refused.reason); nothing was imported")
                }
                try await tx.query("ROLLBACK TO SAVEPOINT erp_import_row")
                failed.append(CatalogResult.RowError(line: row.line, code: refused.code, reason: refused.reason))
            }
        }
        return CatalogResult.Imported(created: created, updated: updated, failed: failed)
    }
}
