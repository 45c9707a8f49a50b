import Catalog
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Catalog search and descriptive attributes through the real broker and database.
@Suite(.timeLimit(.minutes(6))) struct CatalogSearchTests {
    /// apparel > dresses > summer; home. Three products with English, German and Chinese texts.
    static func stock(_ harness: ServiceHarness) async throws {
        for (code, parent) in [("apparel", nil), ("dresses", "apparel"), ("summer", "dresses"), ("home", nil)] as [(String, String?)] {
            let made = try await harness.client.send(CatalogCommand.CreateCategory(code: code, name: code.capitalized, parent: parent))
            #expect(made.status == .done, "\(made)")
        }
        let products: [CatalogCommand.ProductDraft] = [
            .init(
                code: "DRESS-1", title: "Light summer dress", description: "Airy cotton for hot days", category: "summer", tags: ["sale", "new"],
                details: ["material": "cotton", "brand": "Acme"],
                translations: [
                    .init(locale: "de", title: "Leichtes Kleid für den Sommer", description: "Luftige Baumwolle"),
                    .init(locale: "zh-Hans", title: "红色连衣裙"),
                ]),
            .init(
                code: "DRESS-2", title: "Evening gown", description: "Silk, for the opera", category: "dresses", tags: ["new"],
                details: ["material": "silk"]),
            .init(
                code: "MUG-1", title: "Tea mug", description: "Holds a whole pot of tea", category: "home", tags: ["sale"],
                details: ["material": "porcelain"], translations: [.init(locale: "de", title: "Teebecher", description: "Für Kleider ungeeignet")]),
        ]
        let imported = try await harness.client.send(
            CatalogCommand.ImportProducts(rows: products.enumerated().map { .init(line: $0.offset + 2, product: $0.element) }, atomic: true))
        #expect(imported.status == .done, "\(imported)")
    }

    static func codes(_ harness: ServiceHarness, _ query: CatalogSearch.Query) async throws -> [String] {
        try await CatalogSearch(schema: harness.schema).search(query, harness.pool).hits.map(\.code)
    }

    @Test func wordsAreFoundStemmedInTheirLanguageAndRankedTitleFirst() async throws {
        try await CatalogServiceTests.withCatalog { harness in
            try await Self.stock(harness)
            #expect(try await Self.codes(harness, .init(text: "dresses")) == ["DRESS-1"], "English stems: dresses → dress")
            #expect(try await Self.codes(harness, .init(text: "Kleider")) == ["DRESS-1", "MUG-1"], "German stems; a title ranks above a description")
            #expect(try await Self.codes(harness, .init(text: "cotton -silk")) == ["DRESS-1"])
            #expect(try await Self.codes(harness, .init(text: "\"whole pot\"")) == ["MUG-1"])
            #expect(try await Self.codes(harness, .init(text: "Kleider", locale: "en")) == [], "en: only English texts and the products' own")
            let shown = try await CatalogSearch(schema: harness.schema).search(.init(text: "dress", locale: "de"), harness.pool)
            #expect(shown.hits.map(\.title) == ["Leichtes Kleid für den Sommer"])
        }
    }

    @Test func chineseTitlesAreFoundByAnyRunOfTheirCharacters() async throws {
        try await CatalogServiceTests.withCatalog { harness in
            try await Self.stock(harness)
            for text in ["连衣裙", "连衣", "衣裙", "裙", "红色"] {
                #expect(try await Self.codes(harness, .init(text: text)) == ["DRESS-1"], "\(text)")
            }
            #expect(try await Self.codes(harness, .init(text: "连裙")) == [], "not a run of the title")
        }
    }

    @Test func categoriesTakeTheirSubtreeAndTagsAttributesAndActivenessNarrowTheResult() async throws {
        try await CatalogServiceTests.withCatalog { harness in
            try await Self.stock(harness)
            #expect(try await Self.codes(harness, .init(category: "apparel")) == ["DRESS-1", "DRESS-2"])
            #expect(try await Self.codes(harness, .init(category: "summer")) == ["DRESS-1"])
            #expect(try await Self.codes(harness, .init(tags: ["sale"])) == ["DRESS-1", "MUG-1"])
            #expect(try await Self.codes(harness, .init(tags: ["sale", "new"])) == ["DRESS-1"])
            #expect(try await Self.codes(harness, .init(attributes: ["material": "silk"])) == ["DRESS-2"])
            #expect(try await Self.codes(harness, .init(category: "apparel", attributes: ["brand": "Acme"])) == ["DRESS-1"])

            let set = try await harness.client.send(
                CatalogCommand.SetProductDetails(product: "DRESS-2", set: ["brand": "Acme"], remove: ["material"]))
            #expect(set.status == .done, "\(set)")
            #expect(try await Self.codes(harness, .init(attributes: ["brand": "Acme"])) == ["DRESS-1", "DRESS-2"])
            #expect(try await Self.codes(harness, .init(attributes: ["material": "silk"])) == [])
            let bad = try await harness.client.send(CatalogCommand.SetProductDetails(product: "DRESS-2", set: ["bad\nname": "x"]))
            #expect(bad.code == "validation", "\(bad)")
            let unknown = try await harness.client.send(CatalogCommand.SetProductDetails(product: "NOPE", set: ["a": "b"]))
            #expect(unknown.code == "unknown-product", "\(unknown)")

            _ = try await harness.client.send(CatalogCommand.DeactivateProduct(code: "DRESS-2"))
            #expect(try await Self.codes(harness, .init(category: "apparel", activeOnly: true)) == ["DRESS-1"])

            let page = try await CatalogSearch(schema: harness.schema).search(.init(limit: 2, offset: 2), harness.pool)
            #expect(page.hits.map(\.code) == ["MUG-1"])
            #expect(page.total == 3)
        }
    }

    @Test func anExportCarriesTranslationsAndAttributesAndImportsAgainAsItWas() async throws {
        try await CatalogServiceTests.withCatalog { harness in
            try await Self.stock(harness)
            let (columns, rows) = try await CatalogExport(schema: harness.schema).table(harness.pool)
            #expect(columns.suffix(4) == ["title:de", "description:de", "title:zh-Hans", "description:zh-Hans"])
            let text = ([CSV.format(columns)] + rows.map(CSV.format)).joined(separator: "\n")
            let parsed = try ProductFile.parse(text, format: .csv, defaultCurrency: .cny)
            #expect(parsed.problems.isEmpty, "\(parsed.problems)")
            let first = parsed.rows.first { $0.product.code == "DRESS-1" }?.product
            let dress = try #require(first)
            #expect(dress.details == ["brand": "Acme", "material": "cotton"])
            #expect(dress.translations?.map(\.locale) == ["de", "zh-Hans"])
            #expect(dress.translations?.first?.description == "Luftige Baumwolle")
        }
    }
}

extension CatalogSearchTests {
    @Test func anUnknownCategoryIsAnErrorNamingItAndWordlessTextFindsNothing() async throws {
        try await CatalogServiceTests.withCatalog { harness in
            try await Self.stock(harness)
            var unknown: CatalogSearch.UnknownCategory?
            do { _ = try await CatalogSearch(schema: harness.schema).search(.init(category: "nope"), harness.pool) } catch let error
                as CatalogSearch.UnknownCategory
            {
                unknown = error
            }
            #expect(unknown?.description == "there is no category 'nope'")
            #expect(try await Self.codes(harness, .init(text: "!! -- ??")) == [], "punctuation is no query")
            let past = try await CatalogSearch(schema: harness.schema).search(.init(text: "dress", offset: 10), harness.pool)
            #expect(past.hits.isEmpty)
            #expect(past.total == 1, "a page past the end still counts the matches")
            let pastInGerman = try await CatalogSearch(schema: harness.schema).search(
                .init(category: "apparel", locale: "de", offset: 10), harness.pool)
            #expect(pastInGerman.hits.isEmpty)
            #expect(pastInGerman.total == 2)
        }
    }
}
