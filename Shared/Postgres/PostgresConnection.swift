import CLibPQ
import ConnectionThread
import Foundation
import Logging
import Synchronization

/// One libpq connection, owned by its own ``ConnectionThread`` for its whole life.
/// The connection is an actor whose executor is that thread: every libpq call runs
/// there, callers await the result, so no blocking call ever runs on Swift's cooperative
/// thread pool. A connection runs one statement at a time; use ``PostgresPool`` to share
/// connections between tasks.
public actor PostgresConnection {
    public nonisolated let configuration: PostgresConfiguration
    nonisolated let thread: ConnectionThread
    /// The `PGconn *`; freed only by ``finish()``.
    var handle: OpaquePointer?
    /// Statements with parameters already prepared on this session (SQL → name). A
    /// statement is parsed and planned once per session and then only bound and executed;
    /// the cache holds at most ``preparedLimit`` statements, beyond which statements run
    /// unprepared.
    var prepared: [String: String] = [:]
    static let preparedLimit = 256
    /// Statements waiting to go with the next awaited one (see `PostgresConnection+Pipeline.swift`).
    var queued: [PostgresQuery] = []
    /// Read by the pool from any thread.
    private nonisolated let flags = Mutex(Flags())

    private struct Flags {
        var broken = false
        var inTransaction = false
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    private init(configuration: PostgresConfiguration, thread: ConnectionThread) {
        self.configuration = configuration
        self.thread = thread
    }

    isolated deinit {
        finish()
        thread.stop()
    }

    /// Opens a connection. Errors say whether the server refused, timed out or rejected the login.
    public static func connect(_ configuration: PostgresConfiguration) async throws -> PostgresConnection {
        let connection = PostgresConnection(configuration: configuration, thread: ConnectionThread(name: "pg:\(configuration.applicationName)"))
        try await connection.open()
        return connection
    }

    public static func connect(url: String) async throws -> PostgresConnection {
        try await connect(PostgresConfiguration(url: url))
    }

    /// True when the caller runs on this connection's own thread (inside a pool's
    /// `withConnection`/`withTransaction` body), where statements need no hand-over.
    public nonisolated var isCallerOnItsThread: Bool { thread.isCurrent }

    /// True once the connection has failed or been closed; a pool replaces such connections.
    public nonisolated var isBroken: Bool { flags.withLock { $0.broken } }

    /// True while a transaction is open on this connection (as of its last statement).
    public nonisolated var isInTransaction: Bool { flags.withLock { $0.inTransaction } }

    nonisolated func markBroken() {
        flags.withLock { $0.broken = true }
    }

    /// Runs one statement with its parameters and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresRows {
        try execute(query)
    }

    /// Runs a script of several statements without parameters (migrations, DDL).
    /// Returns the result of the last statement.
    @discardableResult
    public func executeScript(_ sql: String) throws -> PostgresRows {
        try flushQueued()
        let connection = try checkAlive()
        return try consume(PQexec(connection, sql), statement: sql)
    }

    /// The server process id of this session (for `pg_terminate_backend`, `pg_stat_activity`).
    public func backendPID() throws -> Int32 {
        guard let connection = handle else { throw closedError(sentToServer: false) }
        return PQbackendPID(connection)
    }

    /// Closes the connection and stops its thread. Safe to call twice.
    public func close() {
        finish()
        markBroken()
        thread.stop()
    }

    /// Frees the `PGconn`: the one place it is freed.
    private func finish() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    // MARK: - On the connection's thread

    private func open() throws {
        let parameters = configuration.libpqParameters
        var keywords = parameters.map { strdup($0.0) }
        var values = parameters.map { strdup($0.1) }
        keywords.append(nil)
        values.append(nil)
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywordBuffer in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valueBuffer in
                PQconnectdbParams(keywordBuffer.baseAddress, valueBuffer.baseAddress, 0)
            }
        }
        guard let connection else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection", sentToServer: false)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.libpqMessage(connection)
            PQfinish(connection)
            throw PostgresError(
                code: .connectionFailed,
                message:
                    "cannot connect to \(configuration.endpoints.map(\.description).joined(separator: ","))/\(configuration.database) as \(configuration.user): \(message)",
                sqlState: Self.sqlStateOfConnectFailure(message), sentToServer: false)
        }
        PQsetNoticeReceiver(
            connection,
            { _, result in
                guard let result, let message = PQresultErrorMessage(result) else { return }
                let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
                let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))).map { String(cString: $0) }
                noticeLogger.log(level: noticeLevel(severity: severity), "\(text)")
            }, nil)
        handle = connection
    }

    /// Before sending on an idle connection, reads what the server sent meanwhile: a
    /// session killed by `pg_terminate_backend` or a server restart shows up here, and
    /// the failure is reported as not sent, so callers may retry on a fresh connection.
    func checkAlive() throws -> OpaquePointer {
        guard let connection = handle else { throw closedError(sentToServer: false) }
        if PQtransactionStatus(connection) == PQTRANS_IDLE {
            // A terminated session sends an error and then closes: read until nothing is ready.
            for _ in 0..<4 {
                var pfd = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 0) > 0 else { break }
                if PQconsumeInput(connection) == 0 || PQstatus(connection) != CONNECTION_OK {
                    throw lostError(connection, statement: nil, sentToServer: false)
                }
            }
        }
        return connection
    }

    func execute(_ query: PostgresQuery) throws -> PostgresRows {
        try Self.checkParameters(query)
        if !queued.isEmpty {
            // A rollback undoes what is queued anyway; anything else takes it along.
            if query.sql.hasPrefix("ROLLBACK") {
                queued = []
            } else {
                let statements = queued + [query]
                queued = []
                return try pipeline(statements)
            }
        }
        let connection = try checkAlive()
        let statement = preparedStatement(for: query)
        if let statement, statement.isNew {
            do {
                _ = try consume(PQprepare(connection, statement.name, query.sql, Int32(query.binds.count), nil), statement: query.sql)
            } catch {
                prepared[query.sql] = nil
                throw error
            }
        }
        let result = Self.withParameters(query.binds) { values, count in
            if let statement { return PQexecPrepared(connection, statement.name, count, values, nil, nil, 0) }
            return PQexecParams(connection, query.sql, count, nil, values, nil, nil, 0)
        }
        return try consume(result, statement: query.sql)
    }

    /// The prepared statement `query` runs as, entered in the cache on first use (`isNew`:
    /// the caller prepares it, and removes it from the cache should that fail); nil for
    /// statements without parameters (DDL, transaction control) and once the cache is full.
    func preparedStatement(for query: PostgresQuery) -> (name: String, isNew: Bool)? {
        guard !query.binds.isEmpty else { return nil }
        if let name = prepared[query.sql] { return (name, false) }
        guard prepared.count < Self.preparedLimit else { return nil }
        let name = "erp_\(prepared.count + 1)"
        prepared[query.sql] = name
        return (name, true)
    }

    /// Refuses a statement with a text parameter that holds a NUL character: libpq sends
    /// parameters as C strings, which would cut the value at the NUL and store something
    /// other than what was given (`"A\u{0}B"` as `"A"`). Nothing is sent. Bytes go as `Data`
    /// (bytea), which keeps every byte.
    static func checkParameters(_ query: PostgresQuery) throws {
        for (index, bind) in query.binds.enumerated() {
            guard var bind else { continue }
            let hasNUL = bind.withUTF8 { $0.isEmpty ? false : memchr($0.baseAddress!, 0, $0.count) != nil }
            guard hasNUL else { continue }
            throw PostgresError(
                code: .invalidParameter,
                message: "parameter $\(index + 1) contains a NUL character (U+0000), which PostgreSQL text cannot hold; nothing was sent",
                sqlState: "22021", statement: query.sql, sentToServer: false)
        }
    }

    /// Runs `body` with the parameters as C strings (nil: SQL NULL) and their count.
    static func withParameters<T>(_ binds: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?, Int32) -> T) -> T {
        let copies = binds.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress, Int32($0.count)) }
    }

    /// Turns a `PGresult` into rows or a ``PostgresError`` and frees it.
    func consume(_ result: OpaquePointer?, statement: String) throws -> PostgresRows {
        guard let connection = handle else { throw closedError(sentToServer: true) }
        guard let result else { throw lostError(connection, statement: statement, sentToServer: true) }
        defer {
            PQclear(result)
            updateTransactionFlag(connection)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            throw PostgresError(
                code: .protocolViolation, message: "COPY statements must run through copyFrom/copyTo", statement: statement)
        default:
            let error = Self.serverError(result, statement: statement)
            if PQstatus(connection) != CONNECTION_OK || error.endsSession {
                throw lostError(connection, statement: statement, sentToServer: true, result: result)
            }
            throw error
        }
    }

    func updateTransactionFlag(_ connection: OpaquePointer) {
        let status = PQtransactionStatus(connection)
        flags.withLock { $0.inTransaction = status != PQTRANS_IDLE }
    }

    static func rows(of result: OpaquePointer) -> PostgresRows {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values = [String?]()
        values.reserveCapacity(columnCount * rowCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: length)
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, values: values, affectedRows: affected, commandTag: tag)
    }

    static func serverError(_ result: OpaquePointer, statement: String?) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let message = field("M") ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(
            code: .server, message: message, sqlState: field("C"), detail: field("D"), hint: field("H"),
            statement: statement, severity: field("V") ?? field("S"), constraint: field("n"), table: field("t"),
            column: field("c"))
    }

    func lostError(
        _ connection: OpaquePointer, statement: String?, sentToServer: Bool, result: OpaquePointer? = nil
    ) -> PostgresError {
        markBroken()
        var error = PostgresError(
            code: .connectionClosed, message: "connection lost: \(Self.libpqMessage(connection))",
            statement: statement, sentToServer: sentToServer)
        if let result, let server = Optional(Self.serverError(result, statement: statement)), server.sqlState != nil {
            error.sqlState = server.sqlState
            error.message = "connection lost: \(server.message)"
        }
        return error
    }

    func closedError(sentToServer: Bool) -> PostgresError {
        PostgresError(code: .connectionClosed, message: "the connection is closed", sentToServer: sentToServer)
    }

    static func libpqMessage(_ connection: OpaquePointer) -> String {
        String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// libpq reports a failed login only as text; map the server's well-known messages to their SQLSTATE.
    static func sqlStateOfConnectFailure(_ message: String) -> String? {
        if message.contains("password authentication failed") { return "28P01" }
        if message.contains("no pg_hba.conf entry") { return "28000" }
        if message.contains("role") && message.contains("does not exist") { return "28000" }
        if message.contains("database") && message.contains("does not exist") { return "3D000" }
        if message.contains("too many clients") || message.contains("too many connections") { return "53300" }
        if message.contains("the database system is starting up") { return "57P03" }
        if message.contains("the database system is shutting down") { return "57P03" }
        return nil
    }
}

/// Server notices (warnings, a session being terminated) go to the log, not to stderr.
private let noticeLogger = Logger(label: "erp.postgres.notice")

/// A WARNING is worth an operator's eye; NOTICE, INFO and the like ("drop cascades to …",
/// "relation already exists, skipping") are routine and only logged at debug level.
func noticeLevel(severity: String?) -> Logger.Level {
    switch severity {
    case "WARNING": .warning
    case "NOTICE", "INFO", "LOG", "DEBUG": .debug
    default: .notice
    }
}

extension PostgresError {
    /// FATAL errors and the "connection exception" / "operator intervention" classes mean
    /// the server ended the session.
    var endsSession: Bool {
        severity == "FATAL" || severity == "PANIC" || sqlState?.hasPrefix("08") == true
            || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }
}
