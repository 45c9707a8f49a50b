/// The result of one statement: column names, rows in text format, and the number of rows
/// the command affected (`INSERT`, `UPDATE`, `DELETE`, `COPY`).
public struct PostgresRows: Sendable, RandomAccessCollection {
    public let columns: [String]
    public let affectedRows: Int
    /// The server's command tag, e.g. `INSERT 0 1`.
    public let commandTag: String
    private let values: [String?]

    init(columns: [String], values: [String?], affectedRows: Int, commandTag: String) {
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : values.count / columns.count }
    public subscript(position: Int) -> PostgresRow {
        let width = columns.count
        return PostgresRow(columns: columns, values: values[(position * width)..<((position + 1) * width)])
    }

    /// The only row, or nil if there is none; more than one is an error.
    public func single() throws -> PostgresRow? {
        guard count <= 1 else {
            throw PostgresError(code: .protocolViolation, message: "expected at most one row, got \(count)")
        }
        return first
    }
}

/// One result row. Values are decoded on demand; a failure names the column and the value.
public struct PostgresRow: Sendable {
    public let columns: [String]
    let values: ArraySlice<String?>

    /// The raw text of a column, nil for NULL.
    public subscript(column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return values[values.startIndex + index]
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: String) throws -> T {
        guard let index = columns.firstIndex(of: column) else {
            throw PostgresDecodingError(
                column: column, value: nil, targetType: "\(T.self)",
                reason: "no such column (the row has \(columns.joined(separator: ", ")))")
        }
        return try decode(T.self, at: index)
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws -> T {
        guard index >= 0, index < columns.count else {
            throw PostgresDecodingError(
                column: "#\(index)", value: nil, targetType: "\(T.self)", reason: "the row has \(columns.count) columns")
        }
        let text = values[values.startIndex + index]
        do {
            return try T.decode(postgresValue: text)
        } catch let failure as PostgresDecodingFailure {
            throw PostgresDecodingError(column: columns[index], value: text, targetType: "\(T.self)", reason: failure.reason)
        }
    }

    /// Decodes a `json`/`jsonb` column into any `Decodable`.
    public func decodeJSON<T: Codable & Sendable>(_ type: T.Type = T.self, column: String) throws -> T {
        try decode(PostgresJSON<T>.self, column: column).value
    }
}
