import CLibPQ
import Foundation

/// Writes the data of a `COPY ... FROM STDIN`. Data is buffered and handed to the
/// connection in chunks of about 256 KiB. It stays with the task that runs the copy (it is
/// not `Sendable`).
public final class PostgresCopyWriter {
    private let connection: PostgresConnection
    private var buffer = Data()
    private let flushThreshold = 256 * 1024

    init(connection: PostgresConnection) { self.connection = connection }

    /// Appends raw COPY data (in the format the COPY statement names).
    public func write(_ data: Data, isolation actor: isolated (any Actor)? = #isolation) async throws {
        buffer.append(data)
        if buffer.count >= flushThreshold { try await flush() }
    }

    /// Appends one row in COPY's default text format, escaping tabs, newlines and
    /// backslashes; nil is written as `\N` (NULL).
    public func writeRow(_ fields: [String?], isolation actor: isolated (any Actor)? = #isolation) async throws {
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line += "\t" }
            guard let field else {
                line += "\\N"
                continue
            }
            for scalar in field.unicodeScalars {
                switch scalar {
                case "\\": line += "\\\\"
                case "\t": line += "\\t"
                case "\n": line += "\\n"
                case "\r": line += "\\r"
                default: line.unicodeScalars.append(scalar)
                }
            }
        }
        line += "\n"
        try await write(Data(line.utf8))
    }

    func flush(isolation actor: isolated (any Actor)? = #isolation) async throws {
        guard !buffer.isEmpty else { return }
        let chunk = buffer
        buffer.removeAll(keepingCapacity: true)
        try await connection.putCopyData(chunk)
    }
}

extension PostgresConnection {
    /// Runs `COPY table (...) FROM STDIN` and streams what `write` produces. The copy is
    /// aborted (and nothing is stored) if `write` throws. Returns the number of rows copied.
    @discardableResult
    public func copyFrom<T>(
        _ copyStatement: String,
        isolation actor: isolated (any Actor)? = #isolation,
        _ write: (PostgresCopyWriter) async throws -> T
    ) async throws -> Int {
        try await startCopy(copyStatement, expecting: PGRES_COPY_IN)
        let writer = PostgresCopyWriter(connection: self)
        do {
            _ = try await write(writer)
            try await writer.flush()
        } catch {
            let reason = "\(error)"
            _ = try? await endCopyIn(statement: copyStatement, abortReason: reason)
            throw error
        }
        return try await endCopyIn(statement: copyStatement, abortReason: nil)
    }

    /// Runs `COPY ... TO STDOUT` and hands the data to `read` in chunks of whole rows.
    /// Returns the number of rows copied.
    @discardableResult
    public func copyTo(
        _ copyStatement: String,
        isolation actor: isolated (any Actor)? = #isolation,
        _ read: (Data) async throws -> Void
    ) async throws -> Int {
        try await startCopy(copyStatement, expecting: PGRES_COPY_OUT)
        while true {
            let chunk = try await getCopyData(statement: copyStatement)
            if !chunk.data.isEmpty { try await read(chunk.data) }
            if let rows = chunk.finishedRows { return rows }
        }
    }

    // MARK: - Isolated to the connection (on its thread)

    func startCopy(_ statement: String, expecting: ExecStatusType) throws {
        try flushQueued()
        let connection = try checkAlive()
        guard let result = PQexec(connection, statement) else {
            throw lostError(connection, statement: statement, sentToServer: true)
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == expecting else {
            if PQresultStatus(result) == PGRES_FATAL_ERROR {
                throw Self.serverError(result, statement: statement)
            }
            throw PostgresError(
                code: .protocolViolation, message: "statement did not start a COPY in the expected direction",
                statement: statement)
        }
    }

    func putCopyData(_ data: Data) throws {
        guard let connection = handle else { throw closedError(sentToServer: true) }
        let status = data.withUnsafeBytes { bytes in
            PQputCopyData(connection, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        }
        if status != 1 { throw lostError(connection, statement: "COPY FROM STDIN", sentToServer: true) }
    }

    func endCopyIn(statement: String, abortReason: String?) throws -> Int {
        guard let connection = handle else { throw closedError(sentToServer: true) }
        if PQputCopyEnd(connection, abortReason) != 1 {
            throw lostError(connection, statement: statement, sentToServer: true)
        }
        return try finishCopy(connection, statement: statement)
    }

    /// Rows read from a `COPY TO`, and the row count once the copy has ended.
    struct CopyChunk: Sendable {
        var data: Data
        var finishedRows: Int?
    }

    func getCopyData(statement: String) throws -> CopyChunk {
        guard let connection = handle else { throw closedError(sentToServer: true) }
        var collected = Data()
        while collected.count < 256 * 1024 {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection, &buffer, 0)
            if length > 0, let buffer {
                collected.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: Int(length))
                PQfreemem(buffer)
            } else if length == -1 {
                return CopyChunk(data: collected, finishedRows: try finishCopy(connection, statement: statement))
            } else {
                throw lostError(connection, statement: statement, sentToServer: true)
            }
        }
        return CopyChunk(data: collected, finishedRows: nil)
    }

    /// Reads the results that close a COPY; returns the row count from the command tag.
    private func finishCopy(_ connection: OpaquePointer, statement: String) throws -> Int {
        var rows = 0
        var failure: Error?
        while let result = PQgetResult(connection) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if failure == nil {
                failure = Self.serverError(result, statement: statement)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }
}

extension PostgresTransaction {
    /// `COPY ... FROM STDIN` inside this transaction.
    @discardableResult
    public func copyFrom<T>(
        _ copyStatement: String,
        isolation actor: isolated (any Actor)? = #isolation,
        _ write: (PostgresCopyWriter) async throws -> T
    ) async throws -> Int {
        try await connection.copyFrom(copyStatement, write)
    }
}
