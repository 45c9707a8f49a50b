import Catalog
import Contracts
import Testing

@Suite struct ProductFileTests {
    @Test func csvFieldsMayBeQuotedAndHoldCommasQuotesAndLineBreaks() throws {
        let records = try CSV.parse("code,title\nA,\"Mug, large\"\nB,\"Say \"\"hi\"\"\nand more\"\nC,plain\n")
        #expect(records.map(\.fields) == [["code", "title"], ["A", "Mug, large"], ["B", "Say \"hi\"\nand more"], ["C", "plain"]])
        #expect(records.map(\.line) == [1, 2, 3, 5], "a record keeps the line it starts on")
    }

    @Test func csvWithAnUnclosedQuoteIsRefusedWithItsLine() {
        #expect(throws: CSV.Problem.unterminatedQuote(line: 2)) { try CSV.parse("code,title\nA,\"open\n") }
        #expect(throws: CSV.Problem.textAfterQuote(line: 2)) { try CSV.parse("code,title\nA,\"x\"y\n") }
    }

    @Test func formattedRecordsParseBackToTheSameFields() throws {
        let fields = ["a,b", "say \"x\"", "two\nlines", "plain"]
        #expect(try CSV.parse(CSV.format(fields)).first?.fields == fields)
    }

    @Test func badRowsAreReportedWithTheirLineAndTheRestAreKept() throws {
        let text = """
            code,title,price,currency,tags
            TEE,T-shirt,99.00,CNY,summer|cotton
            ,No code,1.00,,
            MUG,Mug,12.345,CNY,
            CAP,Cap,10,XYZ,
            PEN,Pen,,,
            """
        let parsed = try ProductFile.parse(text, format: .csv, defaultCurrency: .cny)
        #expect(parsed.rows.map(\.product.code) == ["TEE", "PEN"])
        #expect(parsed.rows.map(\.line) == [2, 6])
        #expect(parsed.rows[0].product.tags == ["summer", "cotton"])
        #expect(parsed.rows[0].product.price == Money(minorUnits: 9_900, currency: .cny))
        #expect(parsed.problems.map(\.line) == [3, 4, 5])
        #expect(parsed.problems[2].reason.contains("XYZ"))
    }

    @Test func aFileWithAnUnknownColumnOrNoHeaderIsRefusedWhole() {
        #expect(throws: ProductFile.FileProblem.self) { try ProductFile.parse("code,title,colour\nA,B,red\n", format: .csv, defaultCurrency: .cny) }
        #expect(throws: ProductFile.FileProblem.self) { try ProductFile.parse("", format: .csv, defaultCurrency: .cny) }
        #expect(throws: ProductFile.FileProblem.self) { try ProductFile.parse("{\"code\":1}", format: .json, defaultCurrency: .cny) }
    }

    @Test func jsonRowsUseTheSameFields() throws {
        let parsed = try ProductFile.parse(
            #"[{"code":"TEE","title":"T-shirt","price":"99.00","tags":["a","b"]},{"code":"X"},{"code":"Y","title":"Y","weight":3}]"#,
            format: .json, defaultCurrency: .cny)
        #expect(parsed.rows.map(\.product.code) == ["TEE"])
        #expect(parsed.rows[0].product.tags == ["a", "b"])
        #expect(parsed.problems.map(\.line) == [2, 3])
    }

    @Test func attributesAndTranslationsAreReadAndABadPairOrADescriptionWithoutItsTitleIsAProblemOfItsRow() throws {
        let text = """
            code,title,attributes,title:de,description:de,description:fr
            MUG,Mug,material=stoneware|volume=350 ml,Becher,Aus Steinzeug,
            BAD,Bad,material,,,
            ODD,Odd,,,,Sans titre
            """
        let parsed = try ProductFile.parse(text, format: .csv, defaultCurrency: .cny)
        #expect(parsed.rows.map(\.product.code) == ["MUG"])
        #expect(parsed.rows.first?.product.details == ["material": "stoneware", "volume": "350 ml"])
        #expect(parsed.rows.first?.product.translations == [.init(locale: "de", title: "Becher", description: "Aus Steinzeug")])
        #expect(
            parsed.problems.map(\.description) == [
                "line 3: BAD: attribute 'material' is not name=value (in 'material')",
                "line 4: ODD: description:fr without a title in that locale",
            ])
    }
}
