import AMQP
import Catalog
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Every catalog command and validation error through the real broker and database.
@Suite(.timeLimit(.minutes(6))) struct CatalogServiceTests {
    static func withCatalog<T>(_ body: (ServiceHarness) async throws -> T) async throws -> T {
        try await ServiceHarness.run(
            prefix: "t_catsvc",
            { schema, queue, exchange in
                CatalogService.definition(
                    schema: schema, queuePrefix: String(queue.dropLast(".commands".count)), commandsExchange: exchange, eventsExchange: exchange)
            }, body)
    }

    static func price(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .cny) }

    static func product(_ code: String, category: String? = nil, price: Int64? = 9_900, barcode: String? = nil) -> CatalogCommand.ProductDraft {
        CatalogCommand.ProductDraft(
            code: code, title: "Product \(code)", description: "desc", category: category, tags: ["Summer", "summer", "cotton"],
            images: ["https://img.example.com/\(code).jpg"], price: price.map(Self.price), barcode: barcode)
    }

    @Test func aProductIsCreatedWithItsSingleSKUAndPublishedForOtherServices() async throws {
        try await Self.withCatalog { harness async throws in
            let outcome = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("MUG", barcode: "4006381333931")))
            let result = try outcome.decodeResult(CatalogResult.Product.self)
            #expect(result == CatalogResult.Product(code: "MUG", active: true, skus: ["MUG"]))
            let types = try await harness.outboxTypes()
            #expect(types.contains(CatalogEvent.ProductChanged.type.rawValue))
            #expect(types.contains(CatalogEvent.SKUChanged.type.rawValue))
            let tags = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT array_to_string(tags, ',') FROM \(harness.schema).products"))
            #expect(try tags[0].decode(String.self, at: 0) == "cotton,summer", "tags are trimmed, lower-cased and unique")
            #expect(try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("MUG"))).code == "duplicate-product")
        }
    }

    @Test func badProductsAreRefusedWithTheRuleTheyBreak() async throws {
        try await Self.withCatalog { harness async throws in
            func code(_ draft: CatalogCommand.ProductDraft) async throws -> String? {
                try await harness.client.send(CatalogCommand.CreateProduct(product: draft)).code
            }
            #expect(try await code(Self.product("A", barcode: "4006381333932")) == "invalid-barcode")
            #expect(try await code(Self.product("B", barcode: "400638133393")) == "invalid-barcode")
            #expect(try await code(Self.product("C", category: "nowhere")) == "unknown-category")
            #expect(try await code(Self.product("D", price: -1)) == "negative-price")
            #expect(try await code(Self.product("bad code!")) == "validation")
            var noTitle = Self.product("E")
            noTitle.title = "  "
            #expect(try await code(noTitle) == "validation")
            var badImage = Self.product("F")
            badImage.images = ["ftp://x/y.jpg"]
            #expect(try await code(badImage) == "validation")
            var badTax = Self.product("G")
            badTax.taxCategory = "luxury"
            #expect(try await code(badTax) == "validation")
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("H", barcode: "4006381333931")))
            #expect(try await code(Self.product("I", barcode: "4006381333931")) == "duplicate-barcode")
            let products = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT code FROM \(harness.schema).products"))
            let onlyAcceptedProductRemains = try products.map { try $0.decode(String.self, at: 0) } == ["H"]
            #expect(onlyAcceptedProductRemains, "refused products leave nothing behind")
        }
    }

    @Test func anUnsupportedCurrencyIsParkedAndTheSenderToldWhy() async throws {
        try await Self.withCatalog { harness async throws in
            let envelope = Envelope(
                type: CatalogCommand.SetPrice.type, schemaVersion: 1, source: "tests",
                payload: Data(#"{"sku":"MUG","price":{"minor_units":100,"currency":"XYZ"}}"#.utf8), replyTo: harness.client.replyQueue)
            let outcome = try await harness.client.send([envelope])[envelope.id]!
            #expect(outcome.status == .refused)
            #expect(outcome.reason?.contains("unsupported currency 'XYZ'") == true, "\(outcome)")
        }
    }

    @Test func aTShirtInThreeColoursAndFourSizesGetsTwelveSKUsWithOverridableCodes() async throws {
        try await Self.withCatalog { harness async throws in
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("TEE", price: nil)))
            let outcome = try await harness.client.send(
                CatalogCommand.SetVariants(
                    product: "TEE",
                    attributes: [.init(name: "colour", values: ["Red", "Blue", "Green"]), .init(name: "size", values: ["S", "M", "L", "XL"])],
                    overrides: ["Red/M": "TEE-RM"], price: Self.price(9_900)))
            let variants = try outcome.decodeResult(CatalogResult.Variants.self)
            #expect(variants.created.count == 12)
            #expect(variants.created.contains("TEE-RM"))
            #expect(variants.created.contains("TEE-BLUE-XL"))
            let again = try await harness.client.send(
                CatalogCommand.SetVariants(
                    product: "TEE", attributes: [.init(name: "colour", values: ["Red"]), .init(name: "size", values: ["S", "M"])],
                    overrides: ["Red/M": "TEE-RM"]))
            let second = try again.decodeResult(CatalogResult.Variants.self)
            #expect(second.created.isEmpty && Set(second.kept) == ["TEE-RED-S", "TEE-RM"])
            #expect(second.deactivated.count == 10)
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("CAP", price: nil)))
            let clash = try await harness.client.send(
                CatalogCommand.SetVariants(
                    product: "CAP", attributes: [.init(name: "size", values: ["M"])], overrides: ["M": "TEE-RM"]))
            #expect(clash.code == "duplicate-sku")
            let noValues = try await harness.client.send(CatalogCommand.SetVariants(product: "CAP", attributes: [.init(name: "size", values: [])]))
            #expect(noValues.code == "validation")
        }
    }

    @Test func anUpdateReplacesAProductsFieldsAndNeedsTheProductToExist() async throws {
        try await Self.withCatalog { harness async throws in
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("MUG")))
            var changed = Self.product("MUG", price: nil)
            changed.title = "Big mug"
            changed.tags = ["kitchen"]
            #expect(try await harness.client.send(CatalogCommand.UpdateProduct(product: changed)).status == .done)
            let row = try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT title, array_to_string(tags, ',') FROM \(harness.schema).products WHERE code = 'MUG'"))[0]
            #expect(try row.decode(String.self, at: 0) == "Big mug")
            #expect(try row.decode(String.self, at: 1) == "kitchen")
            #expect(try await harness.client.send(CatalogCommand.UpdateProduct(product: Self.product("NOPE"))).code == "unknown-product")
            let count = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).products"))
            #expect(try count[0].decode(Int.self, at: 0) == 1, "a refused update creates nothing")
            _ = try await harness.client.send(CatalogCommand.SetVariants(product: "MUG", attributes: [.init(name: "size", values: ["S", "L"])]))
            #expect(try await harness.client.send(CatalogCommand.UpdateProduct(product: Self.product("MUG", price: 100))).code == "has-variants")
        }
    }

    @Test func republishingSendsEverySKUAgain() async throws {
        try await Self.withCatalog { harness async throws in
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("MUG")))
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("TEE", price: nil)))
            _ = try await harness.client.send(CatalogCommand.SetVariants(product: "TEE", attributes: [.init(name: "size", values: ["S", "M"])]))
            let before = try await harness.outboxTypes().filter { $0 == CatalogEvent.SKUChanged.type.rawValue }.count
            let result = try await harness.client.send(CatalogCommand.RepublishSKUs()).decodeResult(CatalogResult.Republished.self)
            #expect(result.skus == 3)
            let after = try await harness.outboxTypes().filter { $0 == CatalogEvent.SKUChanged.type.rawValue }.count
            #expect(after - before == 3)
        }
    }

    @Test func pricesAndBarcodesAreSetPerSKU() async throws {
        try await Self.withCatalog { harness async throws in
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("MUG")))
            #expect(try await harness.client.send(CatalogCommand.SetPrice(sku: "MUG", price: Self.price(1_250))).status == .done)
            #expect(try await harness.client.send(CatalogCommand.SetPrice(sku: "MUG", price: Self.price(-5))).code == "negative-price")
            #expect(try await harness.client.send(CatalogCommand.SetPrice(sku: "NOPE", price: Self.price(5))).code == "unknown-sku")
            #expect(try await harness.client.send(CatalogCommand.SetBarcode(sku: "MUG", barcode: "4006381333931")).status == .done)
            #expect(try await harness.client.send(CatalogCommand.SetBarcode(sku: "MUG", barcode: "1234567890123")).code == "invalid-barcode")
            let row = try await harness.pool.query(
                PostgresQuery(unsafeSQL: "SELECT price_minor, barcode FROM \(harness.schema).skus WHERE code = 'MUG'"))[0]
            #expect(try row.decode(Int.self, at: 0) == 1_250)
            #expect(try row.decode(String.self, at: 1) == "4006381333931")
        }
    }

    @Test func categoriesFormATreeThatCanNeverHoldACycle() async throws {
        try await Self.withCatalog { harness async throws in
            let client = harness.client
            #expect(try await client.send(CatalogCommand.CreateCategory(code: "apparel", name: "Apparel")).status == .done)
            #expect(try await client.send(CatalogCommand.CreateCategory(code: "tops", name: "Tops", parent: "apparel")).status == .done)
            #expect(try await client.send(CatalogCommand.CreateCategory(code: "tees", name: "Tees", parent: "tops")).status == .done)
            #expect(try await client.send(CatalogCommand.CreateCategory(code: "x", name: "X", parent: "nowhere")).code == "unknown-category")
            #expect(try await client.send(CatalogCommand.CreateCategory(code: "tops", name: "Again")).code == "duplicate-category")
            #expect(try await client.send(CatalogCommand.MoveCategory(code: "apparel", parent: "tees")).code == "category-cycle")
            #expect(try await client.send(CatalogCommand.MoveCategory(code: "tees", parent: nil)).status == .done)
            #expect(try await client.send(CatalogCommand.RenameCategory(code: "tees", name: "T-shirts")).status == .done)
            #expect(try await client.send(CatalogCommand.RenameCategory(code: "nope", name: "N")).code == "unknown-category")
            #expect(try await client.send(CatalogCommand.CreateProduct(product: Self.product("TEE", category: "tees"))).status == .done)
        }
    }

    @Test func translationsNeedAKnownLocaleAndAnExistingProduct() async throws {
        try await Self.withCatalog { harness async throws in
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("MUG")))
            #expect(try await harness.client.send(CatalogCommand.SetTranslation(product: "MUG", locale: "zh_hans", title: "杯子")).status == .done)
            #expect(try await harness.client.send(CatalogCommand.SetTranslation(product: "MUG", locale: "xx", title: "?")).code == "unknown-locale")
            #expect(try await harness.client.send(CatalogCommand.SetTranslation(product: "MUG", locale: "e", title: "?")).code == "unknown-locale")
            #expect(try await harness.client.send(CatalogCommand.SetTranslation(product: "NOPE", locale: "de", title: "?")).code == "unknown-product")
            let locale = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT locale FROM \(harness.schema).translations"))
            #expect(try locale[0].decode(String.self, at: 0) == "zh-Hans")
            let export = CatalogExport(schema: harness.schema)
            let chinese = try await export.product("MUG", locale: "zh-Hans-CN", fallbackLocale: "en", harness.pool)
            #expect(chinese?.title == "杯子", "zh-Hans-CN falls back to zh-Hans")
            let french = try await export.product("MUG", locale: "fr", fallbackLocale: "en", harness.pool)
            #expect(french?.title == "Product MUG", "a locale without a translation gets the shop's own text")
        }
    }

    @Test func aSoldProductCanBeDeactivatedButNotDeleted() async throws {
        try await Self.withCatalog { harness async throws in
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("MUG")))
            _ = try await harness.client.send(CatalogCommand.CreateProduct(product: Self.product("CUP")))
            // Inventory ships a MUG: the issue event marks the SKU as sold.
            let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
            let issued = try Envelope(
                InventoryEvent.Issued(
                    order: "SO-1",
                    lots: [
                        .init(sku: "MUG", warehouse: "SH", lot: "L1", quantity: 1, unitCost: Self.price(500))
                    ]), source: "tests")
            _ = try await publisher.publish(
                AMQPMessage(
                    exchange: harness.exchange, routingKey: InventoryEvent.Issued.type.rawValue, body: issued.payload,
                    properties: issued.amqpProperties))
            await publisher.close()
            let sold = try await eventually {
                try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT sold FROM \(harness.schema).skus WHERE code = 'MUG'"))[0].decode(
                    Bool.self, at: 0)
            }
            #expect(sold)
            let refused = try await harness.client.send(CatalogCommand.DeleteProduct(code: "MUG"))
            #expect(refused.code == "sold")
            let deactivated = try await harness.client.send(CatalogCommand.DeactivateProduct(code: "MUG")).decodeResult(CatalogResult.Product.self)
            #expect(deactivated.active == false)
            #expect(try await harness.client.send(CatalogCommand.DeleteProduct(code: "CUP")).status == .done)
            #expect(try await harness.outboxTypes().contains(CatalogEvent.ProductDeleted.type.rawValue))
        }
    }

    @Test func anImportKeepsGoodRowsAndReportsBadOnesByLineUnlessAtomic() async throws {
        try await Self.withCatalog { harness async throws in
            let rows = [
                CatalogCommand.ImportRow(line: 2, product: Self.product("P1")),
                CatalogCommand.ImportRow(line: 3, product: Self.product("P2", barcode: "1234567890123")),
                CatalogCommand.ImportRow(line: 4, product: Self.product("P3")),
            ]
            let atomic = try await harness.client.send(CatalogCommand.ImportProducts(rows: rows, atomic: true))
            #expect(atomic.code == "invalid-barcode")
            #expect(atomic.reason?.contains("line 3") == true)
            let count = {
                try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).products"))[0].decode(
                    Int.self, at: 0)
            }
            #expect(try await count() == 0, "an atomic import with a bad row imports nothing")

            let imported = try await harness.client.send(CatalogCommand.ImportProducts(rows: rows, atomic: false)).decodeResult(
                CatalogResult.Imported.self)
            #expect(imported.created == 2)
            #expect(imported.failed.map(\.line) == [3])
            #expect(try await count() == 2)
            let again = try await harness.client.send(CatalogCommand.ImportProducts(rows: [rows[0]], atomic: false)).decodeResult(
                CatalogResult.Imported.self)
            #expect(again.updated == 1 && again.created == 0)
        }
    }

    @Test func aThousandRowImportIsImportedAsOneCommand() async throws {
        try await Self.withCatalog { harness async throws in
            let rows = (1...1_000).map { CatalogCommand.ImportRow(line: $0 + 1, product: Self.product("BULK-\($0)")) }
            let result = try await harness.client.send(CatalogCommand.ImportProducts(rows: rows, atomic: true), timeout: .seconds(120))
                .decodeResult(CatalogResult.Imported.self)
            #expect(result.created == 1_000 && result.failed.isEmpty)
            let exported = try await CatalogExport(schema: harness.schema).table(harness.pool).rows
            #expect(exported.count == 1_000)
            let firstBulkRowPricedAt99 = exported.first { $0[0] == "BULK-1" }?[5] == "99.00"
            #expect(firstBulkRowPricedAt99)
        }
    }
}
