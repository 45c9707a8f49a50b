/// A SQL statement and its parameters. Values are never spliced into the text: string
/// interpolation of a value appends `$n` and binds the value, so
/// `"SELECT * FROM t WHERE code = \(code)"` sends `... WHERE code = $1` with `code` bound.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    /// Each parameter in text format; `nil` is SQL NULL.
    public var binds: [String?]

    /// An explicit statement with a bind list for its `$1...$n` placeholders. The text is
    /// sent as it is, hence the name: build it only from constants and quoted identifiers,
    /// never from input. Prefer interpolation (`"... WHERE id = \(id)"`), which binds values
    /// by construction.
    public init(unsafeSQL sql: String, binds: [any PostgresEncodable] = []) {
        self.sql = sql
        self.binds = binds.map { $0.postgresText }
    }

    public init(stringLiteral value: String) {
        sql = value
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
    }

    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// Binds `value` as the next parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresText)
            sql += "$\(binds.count)"
        }

        /// Binds `value`, or NULL when it is nil.
        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            binds.append(value?.postgresText)
            sql += "$\(binds.count)"
        }

        /// Splices trusted SQL text (an identifier or keyword chosen by code, never user input).
        public mutating func appendInterpolation(unescaped text: String) { sql += text }

        /// Splices a double-quoted identifier (schema, table, column, channel name).
        public mutating func appendInterpolation(identifier name: String) { sql += PostgresQuery.quoteIdentifier(name) }
    }

    /// The text of an advisory lock's key, for a lock that guards rows of `schema`: the key as
    /// it is when `schema` is the service's own (`home`), so that instances of two releases of
    /// the service still exclude each other, and prefixed with the schema otherwise, so that a
    /// test's or a benchmark's schemas in the same database never wait for each other's locks.
    public static func advisoryKey(_ key: String, schema: String, home: String) -> String {
        schema == home ? key : "\(schema)/\(key)"
    }

    /// Quotes an identifier for SQL text, doubling embedded quotes.
    public static func quoteIdentifier(_ name: String) -> String {
        guard name.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + name + "\"" }
        return "\"" + String(name.flatMap { $0 == "\"" ? "\"\"" : String($0) }) + "\""
    }
}
