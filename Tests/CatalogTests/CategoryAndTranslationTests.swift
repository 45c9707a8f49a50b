import Catalog
import Testing

@Suite struct CategoryTreeTests {
    func tree() throws -> CategoryTree {
        var tree = CategoryTree()
        try tree.add("apparel", under: nil)
        try tree.add("tops", under: "apparel")
        try tree.add("tees", under: "tops")
        try tree.add("home", under: nil)
        return tree
    }

    @Test func aCategoryMovesUnderAnotherBranch() throws {
        var tree = try tree()
        try tree.move("tops", under: "home")
        #expect(tree.path(from: "tees") == ["tees", "tops", "home"])
        try tree.move("tops", under: nil)
        #expect(tree.path(from: "tees") == ["tees", "tops"])
    }

    @Test func movingACategoryUnderItselfOrItsDescendantIsRefused() throws {
        var tree = try tree()
        #expect(throws: CategoryTree.Problem.cycle(moving: "apparel", under: "tees")) { try tree.move("apparel", under: "tees") }
        #expect(throws: CategoryTree.Problem.cycle(moving: "tops", under: "tops")) { try tree.move("tops", under: "tops") }
        #expect(tree.path(from: "tees") == ["tees", "tops", "apparel"], "a refused move changes nothing")
    }

    @Test func unknownAndDuplicateCategoriesAreRefused() throws {
        var tree = try tree()
        #expect(throws: CategoryTree.Problem.unknownCategory("shoes")) { try tree.add("boots", under: "shoes") }
        #expect(throws: CategoryTree.Problem.unknownCategory("shoes")) { try tree.move("shoes", under: nil) }
        #expect(throws: CategoryTree.Problem.duplicateCategory("tops")) { try tree.add("tops", under: nil) }
    }
}

@Suite struct TranslationsTests {
    @Test func theClosestLocaleWinsThenTheFallback() throws {
        var titles = try Translations(fallbackLocale: "en", texts: ["en": "T-shirt", "zh-Hans": "T恤"])
        try titles.set("T-Shirt", for: "de")
        #expect(titles.text(for: "zh-Hans-CN") == "T恤")
        #expect(titles.text(for: "zh_hans") == "T恤")
        #expect(titles.text(for: "de-AT") == "T-Shirt")
        #expect(titles.text(for: "fr-FR") == "T-shirt")
        #expect(titles.text(for: "not a locale") == "T-shirt")
    }

    @Test func localeCodesAreNormalisedAndBadOnesRefused() throws {
        #expect(try Translations.normalised("ZH-hans-cn") == "zh-Hans-CN")
        #expect(try Translations.normalised("pt_br") == "pt-BR")
        for bad in ["", "e", "english", "en-", "en--US", "12", "en-U$"] {
            #expect(throws: Translations.Problem.invalidLocale(bad)) { try Translations.normalised(bad) }
        }
    }
}

import Foundation
