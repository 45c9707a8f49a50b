import ArgumentParser
import Catalog
import Contracts
import Foundation
import ServiceKit

/// `erpctl catalog search` and `catalog attributes`: finding products, and the descriptive
/// attributes they are found by.
extension CatalogCommands {
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Find products by text (titles and descriptions in every locale, ranked), category and everything under it, tags and attributes.")
        @OptionGroup var servers: ServerOptions
        @Option(help: "Words to find (\"quoted phrase\", -excluded, or; Chinese, Japanese and Korean by any run of characters).") var text: String?
        @Option(help: "A category: products in it or any category under it.") var category: String?
        @Option(help: "A tag the products have (repeat: all of them).") var tag: [String] = []
        @Option(help: "name=value: an attribute the products have (repeat: all of them).") var attribute: [String] = []
        @Flag(help: "Active products only.") var active = false
        @Option(help: "Show titles in this locale (and search only its texts and the products' own).") var locale: String?
        @Option(help: "table, json or csv.") var format = "table"
        @Option(help: "Products per page (1 to 500).") var limit = 20
        @Option(help: "Page, from 1.") var page = 1

        func validate() throws {
            guard ["table", "json", "csv"].contains(format) else { throw ValidationError("--format must be table, json or csv") }
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be 1 to 500") }
            guard page >= 1, page <= 100_000 else { throw ValidationError("--page must be 1 or more") }
            _ = try attributes()
            if let text { guard text.count <= 200 else { throw ValidationError("--text is at most 200 characters") } }
            if let locale {
                guard (try? Translations.normalised(locale)) != nil else { throw ValidationError("--locale '\(locale)' is not a locale code") }
            }
        }

        func attributes() throws -> [String: String] { try nameValuePairs(attribute, option: "--attribute") }

        func run() async throws {
            let query = CatalogSearch.Query(
                text: text, category: category, tags: tag, attributes: try attributes(), activeOnly: active,
                locale: try locale.map { try Translations.normalised($0) }, limit: limit, offset: (page - 1) * limit)
            var found: CatalogSearch.Page?
            try await servers.reading("the catalog") { found = try await CatalogSearch().search(query, $0) }
            guard let found else { return }
            switch format {
            case "json": try FinanceCommands.printJSON(found)
            case "csv":
                print(CSV.format(["code", "title", "category", "tags", "attributes", "active", "rank"]))
                for hit in found.hits { print(CSV.format(Self.fields(hit))) }
            default:
                print(
                    ReportTable(columns: ["code", "title", "category", "tags", "attributes", "active", "rank"], rows: found.hits.map(Self.fields))
                        .table)
                let first = found.hits.isEmpty ? 0 : query.offset + 1
                let last = query.offset + found.hits.count
                print("\(first)-\(last) of \(found.total)" + (last < found.total ? " (page \(page); --page \(page + 1) for more)" : ""))
            }
        }

        static func fields(_ hit: CatalogSearch.Hit) -> [String] {
            [
                hit.code, hit.title, hit.category ?? "", hit.tags.joined(separator: "|"),
                hit.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "|"), hit.active ? "yes" : "no",
                hit.rank.map { String(format: "%.3f", $0) } ?? "",
            ]
        }
    }

    struct Attributes: SendsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set or remove a product's descriptive attributes (material, brand, ...), which search finds it by.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var product: String
        @Option(help: "name=value (repeat).") var set: [String] = []
        @Option(help: "An attribute's name to remove (repeat).") var remove: [String] = []
        func validate() throws {
            guard !set.isEmpty || !remove.isEmpty else { throw ValidationError("give --set name=value or --remove name") }
            _ = try command()
        }
        func command() throws -> CatalogCommand.SetProductDetails {
            CatalogCommand.SetProductDetails(product: product, set: try nameValuePairs(set, option: "--set"), remove: remove)
        }
    }
}

/// `name=value` options (repeated) as a dictionary; each must have both sides.
func nameValuePairs(_ texts: [String], option: String) throws -> [String: String] {
    var pairs: [String: String] = [:]
    for text in texts {
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("\(option) '\(text)' is not name=value") }
        pairs[parts[0]] = parts[1]
    }
    return pairs
}
