import Contracts
import Foundation

/// Product import and export files. CSV has a header row naming its columns (any order;
/// `code` and `title` required): code, title, description, category, tax_category,
/// price, currency, tags, images, barcode, attributes, with tags and images separated by `|`
/// and attributes written `name=value|name=value`; and a `title:LOCALE` and
/// `description:LOCALE` column per translation (`title:zh-Hans`). JSON is an array of objects
/// with the same keys (price as a string such as "12.50"; attributes may also be an object).
/// Each row becomes a draft or a problem with its line number. Pure.
public enum ProductFile {
    public static let columns = [
        "code", "title", "description", "category", "tax_category", "price", "currency", "tags", "images", "barcode", "attributes",
    ]

    /// A known column, or a translation's (`title:LOCALE`, `description:LOCALE`).
    static func isColumn(_ name: String) -> Bool {
        columns.contains(name) || ["title:", "description:"].contains { name.hasPrefix($0) && name.count > $0.count }
    }

    public struct RowProblem: Error, Equatable, Sendable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public struct Parsed: Sendable {
        public var rows: [CatalogCommand.ImportRow] = []
        public var problems: [RowProblem] = []
    }

    public enum Format: String, Sendable, CaseIterable {
        case csv, json
        public init?(path: String) {
            switch (path as NSString).pathExtension.lowercased() {
            case "csv": self = .csv
            case "json": self = .json
            default: return nil
            }
        }
    }

    /// A problem with the whole file (not one row): it cannot be read at all.
    public struct FileProblem: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ text: String, format: Format, defaultCurrency: Currency) throws(FileProblem) -> Parsed {
        switch format {
        case .csv: return try parseCSV(text, defaultCurrency: defaultCurrency)
        case .json: return try parseJSON(text, defaultCurrency: defaultCurrency)
        }
    }

    static func parseCSV(_ text: String, defaultCurrency: Currency) throws(FileProblem) -> Parsed {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch { throw FileProblem(description: error.description) }
        guard let header = records.first else { throw FileProblem(description: "the file is empty (expected a header row)") }
        // Column names are lowercase; the locale of a translation column keeps its case.
        let names = header.fields.map { field -> String in
            let name = field.trimmingCharacters(in: .whitespaces)
            guard let colon = name.firstIndex(of: ":") else { return name.lowercased() }
            return name[..<colon].lowercased() + name[colon...]
        }
        for name in names where !isColumn(name) {
            throw FileProblem(
                description: "line 1: unknown column '\(name)' (known: \(columns.joined(separator: ", ")), title:LOCALE, description:LOCALE)")
        }
        for required in ["code", "title"] where !names.contains(required) {
            throw FileProblem(description: "line 1: the header has no '\(required)' column")
        }
        var parsed = Parsed()
        for record in records.dropFirst() {
            guard record.fields.count == names.count else {
                parsed.problems.append(RowProblem(line: record.line, reason: "\(record.fields.count) fields, the header has \(names.count)"))
                continue
            }
            let values = Dictionary(zip(names, record.fields), uniquingKeysWith: { first, _ in first })
            append(values, line: record.line, defaultCurrency: defaultCurrency, to: &parsed)
        }
        return parsed
    }

    static func parseJSON(_ text: String, defaultCurrency: Currency) throws(FileProblem) -> Parsed {
        let objects: [Any]
        do {
            guard let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else {
                throw FileProblem(description: "a JSON import is an array of product objects")
            }
            objects = array
        } catch let problem as FileProblem {
            throw problem
        } catch {
            throw FileProblem(description: "not valid JSON: \(error.localizedDescription)")
        }
        var parsed = Parsed()
        for (index, item) in objects.enumerated() {
            // For JSON the "line" is the element's position in the array, counted from 1.
            let line = index + 1
            guard let object = item as? [String: Any] else {
                parsed.problems.append(RowProblem(line: line, reason: "element \(line) is not an object"))
                continue
            }
            var values: [String: String] = [:]
            var details: [String: String]?
            var problem: String?
            for (key, value) in object {
                guard isColumn(key) else {
                    problem = "unknown field '\(key)'"
                    break
                }
                switch value {
                case let object as [String: Any] where key == "attributes":
                    guard let strings = object as? [String: String] else {
                        problem = "attributes: every value is a string"
                        break
                    }
                    details = strings
                case let text as String: values[key] = text
                case let list as [Any] where key == "tags" || key == "images":
                    values[key] = list.map { "\($0)" }.joined(separator: "|")
                case let number as NSNumber: values[key] = number.stringValue
                case is NSNull: continue
                default: problem = "field '\(key)' has a value of the wrong kind"
                }
            }
            if let problem {
                parsed.problems.append(RowProblem(line: line, reason: problem))
                continue
            }
            append(values, details: details, line: line, defaultCurrency: defaultCurrency, to: &parsed)
        }
        return parsed
    }

    static func append(
        _ values: [String: String], details given: [String: String]? = nil, line: Int, defaultCurrency: Currency, to parsed: inout Parsed
    ) {
        func value(_ key: String) -> String? {
            guard let text = values[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        func list(_ key: String) -> [String] {
            (value(key) ?? "").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        guard let code = value("code") else { return parsed.problems.append(RowProblem(line: line, reason: "no code")) }
        guard let title = value("title") else { return parsed.problems.append(RowProblem(line: line, reason: "\(code): no title")) }
        var price: Money?
        if let text = value("price") {
            do {
                let currency = try value("currency").map { try Currency(code: $0) } ?? defaultCurrency
                price = try Money(parsing: text, currency: currency)
            } catch {
                return parsed.problems.append(RowProblem(line: line, reason: "\(code): \(error)"))
            }
        }
        var details = given
        if details == nil, let text = value("attributes") {
            var pairs: [String: String] = [:]
            for pair in list("attributes") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    return parsed.problems.append(RowProblem(line: line, reason: "\(code): attribute '\(pair)' is not name=value (in '\(text)')"))
                }
                pairs[parts[0]] = parts[1]
            }
            details = pairs
        }
        let locales = Set(values.keys.compactMap { key in key.hasPrefix("title:") ? String(key.dropFirst("title:".count)) : nil })
        for key in values.keys where key.hasPrefix("description:") && !locales.contains(String(key.dropFirst("description:".count))) {
            guard value(key) == nil else {
                return parsed.problems.append(RowProblem(line: line, reason: "\(code): \(key) without a title in that locale"))
            }
        }
        let translations = locales.sorted().compactMap { locale -> CatalogCommand.Translation? in
            guard let title = value("title:\(locale)") else { return nil }
            return CatalogCommand.Translation(locale: locale, title: title, description: value("description:\(locale)") ?? "")
        }
        parsed.rows.append(
            CatalogCommand.ImportRow(
                line: line,
                product: CatalogCommand.ProductDraft(
                    code: code, title: title, description: value("description") ?? "", category: value("category"),
                    taxCategory: value("tax_category") ?? "standard", tags: list("tags"), images: list("images"), price: price,
                    barcode: value("barcode"), details: details, translations: translations.isEmpty ? nil : translations)))
    }
}
