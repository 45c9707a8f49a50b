import Contracts
import Foundation
import Messaging

/// The catalog's handlers: each validates its command, writes through ``CatalogStore``
/// and publishes what other services copy (product and SKU events).
struct CatalogHandlers: Sendable {
    let store: CatalogStore

    /// Where each catalog message is handled.
    func register(in registry: inout MessageHandlers) {
        registry.command(CatalogCommand.CreateCategory.self, createCategory)
        registry.command(CatalogCommand.MoveCategory.self, moveCategory)
        registry.command(CatalogCommand.RenameCategory.self, renameCategory)
        registry.command(CatalogCommand.CreateProduct.self) { command, context in try await write(command.product, mode: .create, context) }
        registry.command(CatalogCommand.UpdateProduct.self) { command, context in try await write(command.product, mode: .update, context) }
        registry.command(CatalogCommand.DeactivateProduct.self, deactivate)
        registry.command(CatalogCommand.DeleteProduct.self, delete)
        registry.command(CatalogCommand.SetVariants.self, setVariants)
        registry.command(CatalogCommand.SetPrice.self, setPrice)
        registry.command(CatalogCommand.SetBarcode.self, setBarcode)
        registry.command(CatalogCommand.SetTranslation.self, setTranslation)
        registry.command(CatalogCommand.SetProductDetails.self) { command, context in
            try await store.setDetails(command, in: context.transaction)
            try await publishProduct(command.product, context)
            return CatalogResult.Done()
        }
        registry.command(CatalogCommand.ImportProducts.self, importProducts)
        registry.command(CatalogCommand.RepublishSKUs.self, republishSKUs)
        registry.on(InventoryEvent.Issued.self, stockIssued)
    }

    func createCategory(_ command: CatalogCommand.CreateCategory, _ context: HandlerContext) async throws -> CatalogResult.Done {
        try ProductRules.code(command.code, "category code")
        try Self.requireName(command.name)
        try await store.createCategory(code: command.code, name: command.name, parent: command.parent, in: context.transaction)
        return CatalogResult.Done()
    }

    func moveCategory(_ command: CatalogCommand.MoveCategory, _ context: HandlerContext) async throws -> CatalogResult.Done {
        try await store.moveCategory(code: command.code, parent: command.parent, in: context.transaction)
        return CatalogResult.Done()
    }

    func renameCategory(_ command: CatalogCommand.RenameCategory, _ context: HandlerContext) async throws -> CatalogResult.Done {
        try Self.requireName(command.name)
        try await store.renameCategory(code: command.code, name: command.name, in: context.transaction)
        return CatalogResult.Done()
    }

    func delete(_ command: CatalogCommand.DeleteProduct, _ context: HandlerContext) async throws -> CatalogResult.Done {
        try await store.delete(product: command.code, in: context.transaction)
        try await context.publish(event: CatalogEvent.ProductDeleted(code: command.code))
        return CatalogResult.Done()
    }

    func setVariants(_ command: CatalogCommand.SetVariants, _ context: HandlerContext) async throws -> CatalogResult.Variants {
        let result = try await store.setVariants(command, in: context.transaction)
        try await publishSKUs(of: command.product, context)
        return result
    }

    func setPrice(_ command: CatalogCommand.SetPrice, _ context: HandlerContext) async throws -> CatalogResult.Done {
        try await store.setPrice(sku: command.sku, price: command.price, in: context.transaction)
        try await publishSKUs(of: try await store.productOfSKU(command.sku, in: context.transaction), context, only: command.sku)
        return CatalogResult.Done()
    }

    func setBarcode(_ command: CatalogCommand.SetBarcode, _ context: HandlerContext) async throws -> CatalogResult.Done {
        try await store.setBarcode(sku: command.sku, barcode: command.barcode, in: context.transaction)
        try await publishSKUs(of: try await store.productOfSKU(command.sku, in: context.transaction), context, only: command.sku)
        return CatalogResult.Done()
    }

    func setTranslation(_ command: CatalogCommand.SetTranslation, _ context: HandlerContext) async throws -> CatalogResult.Done {
        try await store.setTranslation(command, in: context.transaction)
        return CatalogResult.Done()
    }

    /// Every SKU again, for a service that copies the catalog and came later.
    func republishSKUs(_ command: CatalogCommand.RepublishSKUs, _ context: HandlerContext) async throws -> CatalogResult.Republished {
        var count = 0
        for product in try await store.productCodes(in: context.transaction) {
            count += try await publishSKUs(of: product, context).count
        }
        return CatalogResult.Republished(skus: count)
    }

    /// A SKU that left a warehouse has been sold (it can no longer be deleted).
    func stockIssued(_ event: InventoryEvent.Issued, _ context: HandlerContext) async throws {
        try await store.markSold(skus: Array(Set(event.lots.map(\.sku))).sorted(), in: context.transaction)
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
