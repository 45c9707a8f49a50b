/// RFC 4180 CSV: fields separated by commas, optionally in double quotes (a quote inside
/// is doubled; quoted fields may hold commas and line breaks). Each record keeps the
/// line number where it starts, for error messages. Pure.
public enum CSV {
    public struct Record: Sendable, Equatable {
        public let line: Int
        public let fields: [String]
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unterminatedQuote(line: Int)
        case textAfterQuote(line: Int)
        public var description: String {
            switch self {
            case .unterminatedQuote(let line): return "line \(line): a quoted field is never closed"
            case .textAfterQuote(let line): return "line \(line): text after a closing quote (a quote inside a field is written \"\")"
            }
        }
    }

    public static func parse(_ text: String) throws(Problem) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1, recordLine = 1
        var inQuotes = false, afterQuote = false, quotedStart = 0
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var index = 0
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
        }
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if inQuotes {
                if scalar == "\"" {
                    if index < scalars.count && scalars[index] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r":
                continue
            case "\n":
                endRecord()
                afterQuote = false
                line += 1
                recordLine = line
            case "\"" where field.isEmpty && !afterQuote:
                inQuotes = true
                quotedStart = line
            default:
                if afterQuote { throw .textAfterQuote(line: line) }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw .unterminatedQuote(line: quotedStart) }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }

    /// One record as CSV text (quoted where needed), without the line break.
    public static func format(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }
}
