import Contracts
import Foundation

/// Product import and export files. CSV has a header row naming its columns (any order;
/// `code` and `title` required): code, title, description, category, tax_category,
/// price, currency, tags, images, barcode, with tags and images separated by `|`. JSON is
/// an array of objects with the same keys (price as a string such as "12.50"). Each row
/// becomes a draft or a problem with its line number. Pure.
public enum ProductFile {
    public static let columns = ["code", "title", "description", "category", "tax_category", "price", "currency", "tags", "images", "barcode"]

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
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for name in names where !columns.contains(name) {
            throw FileProblem(description: "line 1: unknown column '\(name)' (known: \(columns.joined(separator: ", ")))")
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
            var problem: String?
            for (key, value) in object {
                guard columns.contains(key) else {
                    problem = "unknown field '\(key)'"
                    break
                }
                switch value {
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
            append(values, line: line, defaultCurrency: defaultCurrency, to: &parsed)
        }
        return parsed
    }

    static func append(_ values: [String: String], line: Int, defaultCurrency: Currency, to parsed: inout Parsed) {
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
        parsed.rows.append(
            CatalogCommand.ImportRow(
                line: line,
                product: CatalogCommand.ProductDraft(
                    code: code, title: title, description: value("description") ?? "", category: value("category"),
                    taxCategory: value("tax_category") ?? "standard", tags: list("tags"), images: list("images"), price: price,
                    barcode: value("barcode"))))
    }
}
