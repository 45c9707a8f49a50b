import Catalog
import Testing

@Suite struct VariantGeneratorTests {
    let colours = VariantAttribute(name: "colour", values: ["Red", "Blue", "Black"])
    let sizes = VariantAttribute(name: "size", values: ["S", "M", "L", "XL"])

    @Test func threeColoursTimesFourSizesGiveTwelveSKUsWithDeterministicCodes() throws {
        let variants = try VariantGenerator.variants(base: "tee", attributes: [colours, sizes])
        #expect(variants.count == 12)
        #expect(variants.first?.code == "TEE-RED-S")
        #expect(variants.last?.code == "TEE-BLACK-XL")
        #expect(Set(variants.map(\.code)).count == 12)
        #expect(variants[5].options.map(\.value) == ["Blue", "M"])
        // The same input gives the same codes in the same order.
        #expect(try VariantGenerator.variants(base: "tee", attributes: [colours, sizes]) == variants)
    }

    @Test func aCodeCanBeOverriddenForOneCombination() throws {
        let variants = try VariantGenerator.variants(base: "TEE", attributes: [colours, sizes], overrides: ["Blue/M": "SPECIAL-1"])
        #expect(variants.map(\.code).contains("SPECIAL-1"))
        #expect(!variants.map(\.code).contains("TEE-BLUE-M"))
    }

    @Test func codesStayASCIIAndDistinctForOtherScriptsAndPunctuation() throws {
        let variants = try VariantGenerator.variants(
            base: "茶杯 mug", attributes: [VariantAttribute(name: "颜色", values: ["红色", "蓝色", "light grey / 2"])])
        #expect(variants.map(\.code) == ["8336676F-MUG-7EA28272", "8336676F-MUG-84DD8272", "8336676F-MUG-LIGHT-GREY-2"])
        let allCodesASCII = variants.allSatisfy { $0.code.allSatisfy(\.isASCII) }
        #expect(allCodesASCII)
    }

    @Test func badAttributeListsAreRefused() {
        #expect(throws: VariantGenerator.Problem.noAttributes) { try VariantGenerator.variants(base: "X", attributes: []) }
        #expect(throws: VariantGenerator.Problem.attributeWithoutValues("size")) {
            try VariantGenerator.variants(base: "X", attributes: [VariantAttribute(name: "size", values: [])])
        }
        #expect(throws: VariantGenerator.Problem.duplicateAttribute("Colour")) {
            try VariantGenerator.variants(base: "X", attributes: [colours, VariantAttribute(name: "Colour", values: ["a"])])
        }
        #expect(throws: VariantGenerator.Problem.duplicateValue(attribute: "size", value: "m")) {
            try VariantGenerator.variants(base: "X", attributes: [VariantAttribute(name: "size", values: ["M", "m"])])
        }
        #expect(throws: VariantGenerator.Problem.duplicateCode("X-A-B")) {
            try VariantGenerator.variants(base: "X", attributes: [VariantAttribute(name: "v", values: ["a b", "a-b"])])
        }
        #expect(throws: VariantGenerator.Problem.tooManyVariants(1_331, limit: 1_000)) {
            let eleven = VariantAttribute(name: "a", values: (0..<11).map(String.init))
            _ = try VariantGenerator.variants(
                base: "X",
                attributes: [
                    eleven, VariantAttribute(name: "b", values: eleven.values), VariantAttribute(name: "c", values: eleven.values),
                ])
        }
    }
}

import Foundation
