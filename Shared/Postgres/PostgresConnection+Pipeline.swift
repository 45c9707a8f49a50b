import CLibPQ
import Foundation

/// Queued statements: writes whose result the caller does not need (an UPDATE, an INSERT
/// without RETURNING) wait on the connection and go to the server together with the next
/// statement that needs an answer, or with the COMMIT, in one round trip (libpq's pipeline
/// mode). The server runs them in the order they were queued, before that statement, so
/// a later read sees them. A failure of a queued statement is thrown by the statement it
/// travelled with (and names the queued one); the transaction is then aborted as usual.
/// A ROLLBACK (to a savepoint too) drops what is queued: it would be undone anyway.
extension PostgresConnection {
    /// Statements queued at most, before they are sent on their own.
    static let queueLimit = 64

    /// Queues `query` to run before the next statement that is awaited.
    public func queue(_ query: PostgresQuery) throws {
        try Self.checkParameters(query)
        queued.append(query)
        if queued.count >= Self.queueLimit { try flushQueued() }
    }

    /// Sends what is queued (in one round trip) before a statement that cannot travel in a
    /// pipeline (a script, a COPY).
    func flushQueued() throws {
        guard !queued.isEmpty else { return }
        let statements = queued
        queued = []
        _ = try pipeline(statements)
    }

    /// Runs `statements` in one pipeline and one sync; returns the last one's rows. The
    /// first failure is thrown once every result up to the sync has been read.
    func pipeline(_ statements: [PostgresQuery]) throws -> PostgresRows {
        let connection = try checkAlive()
        guard PQenterPipelineMode(connection) == 1 else {
            throw PostgresError(code: .protocolViolation, message: "cannot enter pipeline mode: \(Self.libpqMessage(connection))")
        }
        // Statements first prepared in this pipeline, by their index.
        var preparing: [Int: String] = [:]
        var sent = 0
        var failure: PostgresError?
        for (index, query) in statements.enumerated() {
            let statement = preparedStatement(for: query)
            if let statement, statement.isNew {
                preparing[index] = query.sql
                guard PQsendPrepare(connection, statement.name, query.sql, Int32(query.binds.count), nil) == 1 else {
                    failure = lostError(connection, statement: query.sql, sentToServer: sent > 0)
                    break
                }
            }
            let accepted = Self.withParameters(query.binds) { values, count in
                if let statement { return PQsendQueryPrepared(connection, statement.name, count, values, nil, nil, 0) }
                return PQsendQueryParams(connection, query.sql, count, nil, values, nil, nil, 0)
            }
            guard accepted == 1 else {
                failure = lostError(connection, statement: query.sql, sentToServer: sent > 0)
                break
            }
            sent += 1
        }
        if failure != nil {
            // Nothing can be read back reliably: the session is given up.
            markBroken()
            for sql in preparing.values { prepared[sql] = nil }
            throw failure!
        }
        guard PQpipelineSync(connection) == 1 else {
            for sql in preparing.values { prepared[sql] = nil }
            throw lostError(connection, statement: statements.last?.sql, sentToServer: true)
        }
        var last = PostgresRows(columns: [], values: [], affectedRows: 0, commandTag: "")
        var preparedOK = Set<String>()
        for (index, query) in statements.enumerated() {
            if preparing[index] != nil {
                if try readPipelineResult(connection, statement: query.sql, failure: &failure) != nil { preparedOK.insert(query.sql) }
            }
            if let rows = try readPipelineResult(connection, statement: query.sql, failure: &failure) { last = rows }
        }
        for sql in preparing.values where !preparedOK.contains(sql) { prepared[sql] = nil }
        // The sync's own result, then back to ordinary mode.
        guard let sync = PQgetResult(connection) else { throw lostError(connection, statement: nil, sentToServer: true) }
        let syncStatus = PQresultStatus(sync)
        PQclear(sync)
        guard syncStatus == PGRES_PIPELINE_SYNC, PQexitPipelineMode(connection) == 1 else {
            throw lostError(connection, statement: nil, sentToServer: true)
        }
        updateTransactionFlag(connection)
        if let failure { throw failure }
        return last
    }

    /// Reads one command's result and the NULL that ends it. Returns its rows, or nil when
    /// it failed (the first failure is kept in `failure`) or was skipped after a failure.
    private func readPipelineResult(_ connection: OpaquePointer, statement: String, failure: inout PostgresError?) throws -> PostgresRows? {
        guard let result = PQgetResult(connection) else { throw lostError(connection, statement: statement, sentToServer: true) }
        defer {
            PQclear(result)
            // Each command's results end with a NULL.
            while let extra = PQgetResult(connection) { PQclear(extra) }
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        case PGRES_PIPELINE_ABORTED:
            return nil
        default:
            let error = Self.serverError(result, statement: statement)
            if PQstatus(connection) != CONNECTION_OK || error.endsSession {
                throw lostError(connection, statement: statement, sentToServer: true, result: result)
            }
            if failure == nil { failure = error }
            return nil
        }
    }
}
