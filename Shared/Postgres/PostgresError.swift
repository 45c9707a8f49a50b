/// Everything that can go wrong talking to PostgreSQL, with the context an operator needs:
/// what failed (``code``), the server's SQLSTATE and fields when the server said it, and the
/// statement that was running (its text only, never the bound values).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. Extensible like Hummingbird's error codes.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The connection URL or a setting is malformed.
        public static let invalidConfiguration = Code("invalid configuration")
        /// Could not connect or authenticate (refused, timed out, bad password, unknown database).
        public static let connectionFailed = Code("connection failed")
        /// The connection was lost or closed; see ``PostgresError/sentToServer``.
        public static let connectionClosed = Code("connection closed")
        /// The server rejected a statement; ``PostgresError/sqlState`` says why.
        public static let server = Code("server error")
        /// The server answered something this client did not expect.
        public static let protocolViolation = Code("protocol violation")
        /// A transaction kept failing with a serialization failure or deadlock.
        public static let retriesExhausted = Code("retries exhausted")
        /// A parameter cannot be sent as it is (a text value with a NUL character, which
        /// PostgreSQL's text types cannot hold); nothing was sent.
        public static let invalidParameter = Code("invalid parameter")
    }

    public var code: Code
    /// The five-character SQLSTATE (e.g. `23505` unique violation, `40001` serialization failure).
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The SQL text that failed, without its parameters.
    public var statement: String?
    /// Severity as reported by the server (`ERROR`, `FATAL`, ...).
    public var severity: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// False when the failure happened before anything was sent, so the work can safely be retried elsewhere.
    public var sentToServer: Bool

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        statement: String? = nil, severity: String? = nil, constraint: String? = nil, table: String? = nil,
        column: String? = nil, sentToServer: Bool = true
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.statement = statement
        self.severity = severity
        self.constraint = constraint
        self.table = table
        self.column = column
        self.sentToServer = sentToServer
    }

    /// Serialization failure (40001) or deadlock (40P01): the whole transaction may be retried.
    public var isTransactionConflict: Bool { sqlState == "40001" || sqlState == "40P01" }

    public var description: String {
        var text = "postgres \(code)"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        if let constraint { text += " (constraint: \(constraint))" }
        if let statement { text += " in statement: \(statement.prefix(500))" }
        return text
    }
}

/// A column value could not be turned into the requested Swift type.
public struct PostgresDecodingError: Error, CustomStringConvertible, Sendable {
    public let column: String
    public let value: String?
    public let targetType: String
    public let reason: String

    public var description: String {
        let shown = value.map { "'\($0.prefix(200))'" } ?? "NULL"
        return "cannot decode column '\(column)' value \(shown) as \(targetType): \(reason)"
    }
}
