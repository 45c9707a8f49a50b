import ArgumentParser
import Catalog
import Contracts
import Foundation
import Messaging
import Postgres

/// `erpctl catalog ...`: every catalog command (published, outcome awaited), bulk import
/// and export, and listings.
struct CatalogCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Products, SKUs, variants, prices, categories, translations; import and export.",
        subcommands: [
            CreateCategory.self, MoveCategory.self, RenameCategory.self, CreateProduct.self, UpdateProduct.self, Deactivate.self,
            Delete.self, Variants.self, Price.self, Barcode.self, Translate.self, Attributes.self, Import.self, Export.self, Show.self, Search.self,
            SKUs.self, Republish.self,
        ])

    struct CreateCategory: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "create-category", abstract: "Add a category (under a parent).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var code: String
        @Option var name: String
        @Option var parent: String?
        func command() throws -> CatalogCommand.CreateCategory { CatalogCommand.CreateCategory(code: code, name: name, parent: parent) }
    }

    struct MoveCategory: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "move-category", abstract: "Move a category (no --parent: to the root).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var code: String
        @Option var parent: String?
        func command() throws -> CatalogCommand.MoveCategory { CatalogCommand.MoveCategory(code: code, parent: parent) }
    }

    struct RenameCategory: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "rename-category", abstract: "Rename a category.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var code: String
        @Option var name: String
        func command() throws -> CatalogCommand.RenameCategory { CatalogCommand.RenameCategory(code: code, name: name) }
    }

    struct ProductOptions: ParsableArguments {
        @Option var code: String
        @Option var title: String
        @Option var description = ""
        @Option var category: String?
        @Option(name: .customLong("tax-category"), help: "standard, reduced, zero or exempt.") var taxCategory = "standard"
        @Option(name: .customLong("tag"), help: "A tag (repeat for several).") var tags: [String] = []
        @Option(name: .customLong("image"), help: "An image URL (repeat for several).") var images: [String] = []
        @Option(help: "Price of the product's single SKU, e.g. 99.00.") var price: String?
        @Option var currency = "CNY"
        @Option(help: "EAN-13 barcode of the product's single SKU.") var barcode: String?

        func validate() throws { _ = try draft() }
        func draft() throws -> CatalogCommand.ProductDraft {
            return CatalogCommand.ProductDraft(
                code: code, title: title, description: description, category: category, taxCategory: taxCategory, tags: tags, images: images,
                price: try money(price, currency: currency, option: "--price"), barcode: barcode)
        }
    }

    struct CreateProduct: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "create-product", abstract: "Create a product.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @OptionGroup var product: ProductOptions
        func command() throws -> CatalogCommand.CreateProduct { CatalogCommand.CreateProduct(product: try product.draft()) }
    }

    struct UpdateProduct: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "update-product", abstract: "Replace a product's fields.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @OptionGroup var product: ProductOptions
        func command() throws -> CatalogCommand.UpdateProduct { CatalogCommand.UpdateProduct(product: try product.draft()) }
    }

    struct Deactivate: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Take a product and its SKUs off sale.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var code: String
        func command() throws -> CatalogCommand.DeactivateProduct { CatalogCommand.DeactivateProduct(code: code) }
    }

    struct Delete: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a product that was never sold.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var code: String
        func command() throws -> CatalogCommand.DeleteProduct { CatalogCommand.DeleteProduct(code: code) }
    }

    struct Variants: SendsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a product's attributes and generate a SKU per combination.",
            discussion: "Example: --attribute colour=Red,Blue,Green --attribute size=S,M,L,XL gives 12 SKUs; --override Red/M=TEE-RM names one.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var product: String
        @Option(name: .customLong("attribute"), help: "NAME=VALUE,VALUE,... (repeat per attribute).") var attributes: [String] = []
        @Option(name: .customLong("override"), help: "VALUE/VALUE=CODE: the code of one combination.") var overrides: [String] = []
        @Option(help: "Price of new SKUs.") var price: String?
        @Option var currency = "CNY"

        func validate() throws { _ = try command() }
        func command() throws -> CatalogCommand.SetVariants {
            guard !attributes.isEmpty else { throw ValidationError("give at least one --attribute NAME=VALUE,VALUE") }
            let parsed = try attributes.map { text -> CatalogCommand.Attribute in
                let parts = text.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--attribute '\(text)': expected NAME=VALUE,VALUE") }
                return CatalogCommand.Attribute(name: String(parts[0]), values: parts[1].split(separator: ",").map(String.init))
            }
            var codes: [String: String] = [:]
            for text in overrides {
                let parts = text.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw ValidationError("--override '\(text)': expected VALUE/VALUE=CODE") }
                codes[String(parts[0])] = String(parts[1])
            }
            return CatalogCommand.SetVariants(
                product: product, attributes: parsed, overrides: codes, price: try money(price, currency: currency, option: "--price"))
        }
    }

    struct Price: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Set a SKU's price.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var sku: String
        @Option var price: String
        @Option var currency = "CNY"
        func validate() throws { _ = try amount() }
        func amount() throws -> Money { try money(price, currency: currency, option: "--price") }
        func command() throws -> CatalogCommand.SetPrice { CatalogCommand.SetPrice(sku: sku, price: try amount()) }
    }

    struct Barcode: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Set (or with no --barcode, clear) a SKU's EAN-13 barcode.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var sku: String
        @Option var barcode: String?
        func command() throws -> CatalogCommand.SetBarcode { CatalogCommand.SetBarcode(sku: sku, barcode: barcode) }
    }

    struct Translate: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Set a product's title and description in a locale.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var product: String
        @Option(help: "Locale code, e.g. zh-Hans, de-AT.") var locale: String
        @Option var title: String
        @Option var description = ""
        func command() throws -> CatalogCommand.SetTranslation {
            CatalogCommand.SetTranslation(product: product, locale: locale, title: title, description: description)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update products from a CSV or JSON file.",
            discussion:
                "CSV columns: \(ProductFile.columns.joined(separator: ", ")), title:LOCALE, description:LOCALE (header row; tags and images separated by |, attributes written name=value|name=value). A bad row is reported with its line number and the others are imported; with --atomic a single bad row refuses the whole file."
        )
        @OptionGroup var servers: ServerOptions
        @Argument(help: "FILE.csv or FILE.json.") var file: String
        @Flag(help: "All rows or none.") var atomic = false
        @Option(help: "Currency of prices without one.") var currency = "CNY"
        @Option(help: "Rows per command (without --atomic).") var chunk = 500
        @Option(help: "Seconds to wait for the catalog's outcome.") var timeout = 300
        @Flag(help: "Print the result as JSON.") var json = false
        @Option(name: .customLong("commands-exchange"), help: .hidden) var commandsExchange = Exchanges.commands

        func validate() throws {
            guard ProductFile.Format(path: file) != nil else { throw ValidationError("\(file): expected a .csv or .json file") }
            guard (1...10_000).contains(chunk) else { throw ValidationError("--chunk must be 1 to 10000") }
            do { _ = try Currency(code: currency) } catch { throw ValidationError("--currency: \(error)") }
        }

        func run() async throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            let parsed: ProductFile.Parsed
            do { parsed = try ProductFile.parse(text, format: ProductFile.Format(path: file)!, defaultCurrency: try Currency(code: currency)) } catch
            {
                throw ControlFailure(description: "\(file): \(error)")
            }
            if atomic && !parsed.problems.isEmpty {
                for problem in parsed.problems { FileHandleOutput.error("\(file): \(problem)") }
                throw ControlFailure(description: "\(file): \(parsed.problems.count) bad row(s); nothing was imported (--atomic)")
            }
            guard !parsed.rows.isEmpty else { throw ControlFailure(description: "\(file): no rows to import") }
            let chunks =
                atomic
                ? [parsed.rows]
                : stride(from: 0, to: parsed.rows.count, by: chunk).map { Array(parsed.rows[$0..<min($0 + chunk, parsed.rows.count)]) }
            let broker = try servers.broker()
            let outcomes = try await reporting("importing \(file)") {
                let client = try await CommandClient.connect(broker, exchange: commandsExchange)
                do {
                    let envelopes = try chunks.map { try client.envelope(CatalogCommand.ImportProducts(rows: $0, atomic: atomic)) }
                    let outcomes = try await client.send(envelopes, timeout: .seconds(timeout))
                    await client.close()
                    return envelopes.map { outcomes[$0.id]! }
                } catch {
                    await client.close()
                    throw error
                }
            }
            var created = 0, updated = 0
            var failed = parsed.problems.map { CatalogResult.RowError(line: $0.line, code: "unreadable", reason: $0.reason) }
            for outcome in outcomes {
                if outcome.status == .refused {
                    throw ControlFailure(description: "import refused (\(outcome.code ?? "")): \(outcome.reason ?? "")")
                }
                let result = try outcome.decodeResult(CatalogResult.Imported.self)
                created += result.created
                updated += result.updated
                failed += result.failed
            }
            failed.sort { $0.line < $1.line }
            let summary = CatalogResult.Imported(created: created, updated: updated, failed: failed)
            if json {
                let encoder = MessageCoding.encoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print("\(file): \(created) created, \(updated) updated, \(failed.count) refused")
                for row in failed { print("  line \(row.line): \(row.reason)") }
            }
            if !failed.isEmpty { throw ControlFailure(description: "\(failed.count) row(s) of \(file) were not imported") }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every product as CSV (or JSON), in the import format.")
        @OptionGroup var servers: ServerOptions
        @Option(help: "csv or json.") var format = "csv"
        @Flag(help: "Only active products.") var activeOnly = false
        func validate() throws { guard ProductFile.Format(rawValue: format) != nil else { throw ValidationError("--format must be csv or json") } }
        func run() async throws {
            let pool = PostgresPool(configuration: try servers.database(), size: 1)
            let columns: [String], rows: [[String]]
            do {
                (columns, rows) = try await reporting("reading the catalog") { try await CatalogExport().table(pool, includeInactive: !activeOnly) }
                await pool.close()
            } catch {
                await pool.close()
                throw error
            }
            if format == "csv" {
                print(CSV.format(columns))
                for row in rows { print(CSV.format(row)) }
            } else {
                let objects = rows.map { Dictionary(uniqueKeysWithValues: zip(columns, $0).filter { !$0.1.isEmpty }) }
                let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a product in a locale (with fallback to the shop's locale).")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option var product: String
        @Option(help: "Locale to show, e.g. zh-Hans-CN.") var locale = "en"
        @Option(
            name: .customLong("fallback-locale"),
            help: "The shop's locale, in which products are written (default: $ERP_CATALOG_FALLBACK_LOCALE or en).")
        var fallbackLocale = ProcessInfo.processInfo.environment["ERP_CATALOG_FALLBACK_LOCALE"] ?? "en"

        func validate() throws {
            for (option, value) in [("--locale", locale), ("--fallback-locale", fallbackLocale)] {
                do { _ = try Translations.normalised(value) } catch { throw ValidationError("\(option): \(error)") }
            }
        }
        func run() async throws {
            var shown: CatalogExport.LocalisedProduct?
            try await report.withPool { shown = try await CatalogExport().product(product, locale: locale, fallbackLocale: fallbackLocale, $0) }
            guard let shown else { throw ControlFailure(description: "no product \(product)") }
            if report.json {
                let encoder = MessageCoding.encoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(shown), as: UTF8.self))
            } else {
                print("\(shown.code) [\(shown.locale)] \(shown.title)\(shown.active ? "" : " (inactive)")")
                if !shown.description.isEmpty { print(shown.description) }
                print(
                    "category: \(shown.category ?? "-"); translations: \(shown.translations.isEmpty ? "none" : shown.translations.joined(separator: ", "))"
                )
            }
        }
    }

    struct Republish: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Publish every SKU again (for services that copy the catalog).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        func command() throws -> CatalogCommand.RepublishSKUs { CatalogCommand.RepublishSKUs() }
    }

    struct SKUs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "skus", abstract: "List SKUs with price, barcode and options.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option var product: String?
        func run() async throws { try await report.withPool { printReport(try await CatalogExport().skus(product: product, $0), json: report.json) } }
    }
}
