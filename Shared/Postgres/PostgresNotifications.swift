import CLibPQ
import Foundation

/// One `NOTIFY` received on a channel this session listens to.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let processID: Int32
}

/// Notifications from `LISTEN` on a dedicated connection, as an `AsyncSequence`.
/// The sequence ends with an error if the connection is lost (notifications sent while
/// disconnected are gone, as in PostgreSQL itself, so a listener should also poll);
/// it ends normally after ``close()``.
public final class PostgresNotifications: AsyncSequence, Sendable {
    public typealias Element = PostgresNotification
    private let stream: AsyncThrowingStream<PostgresNotification, Error>
    private let connection: PostgresConnection

    /// Connects and listens on `channels` before returning, so no notification sent after
    /// this returns is missed.
    public init(configuration: PostgresConfiguration, channels: [String]) async throws {
        let connection = try await PostgresConnection.connect(configuration)
        self.connection = connection
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: PostgresNotification.self, throwing: Error.self)
        self.stream = stream
        continuation.onTermination = { _ in Task { await connection.close() } }
        do {
            for channel in channels {
                try await connection.query(PostgresQuery(unsafeSQL: "LISTEN \(PostgresQuery.quoteIdentifier(channel))"))
            }
            try await connection.startDeliveringNotifications(to: continuation)
        } catch {
            await connection.close()
            throw error
        }
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<PostgresNotification, Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// Stops listening and closes the connection.
    public func close() async { await connection.close() }
}

extension PostgresConnection {
    /// Sends a notification to every session listening on `channel`.
    public func notify(channel: String, payload: String = "") throws {
        try query("SELECT pg_notify(\(channel), \(payload))")
    }

    /// Installs an idle handler on the connection's thread that waits on the socket and
    /// forwards each notification.
    func startDeliveringNotifications(to continuation: AsyncThrowingStream<PostgresNotification, Error>.Continuation) {
        thread.setIdleHandler { [self] wakeFD in
            // Called back by the thread between jobs: isolated to this connection (checked).
            assumeIsolated { $0.deliverNotifications(wakeFD: wakeFD, to: continuation) }
        }
    }

    /// Waits up to a second for the socket (or a job) and forwards what arrived; false ends
    /// the idle handler.
    private func deliverNotifications(
        wakeFD: Int32, to continuation: AsyncThrowingStream<PostgresNotification, Error>.Continuation
    ) -> Bool {
        guard let connection = handle else {
            continuation.finish()
            return false
        }
        deliverPending(connection, to: continuation)
        var fds = [
            pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        _ = poll(&fds, 2, 1000)
        if PQconsumeInput(connection) == 0 || PQstatus(connection) != CONNECTION_OK {
            continuation.finish(throwing: lostError(connection, statement: "LISTEN", sentToServer: true))
            return false
        }
        deliverPending(connection, to: continuation)
        return true
    }

    private func deliverPending(
        _ connection: OpaquePointer, to continuation: AsyncThrowingStream<PostgresNotification, Error>.Continuation
    ) {
        while let notice = PQnotifies(connection) {
            let value = notice.pointee
            continuation.yield(
                PostgresNotification(
                    channel: String(cString: value.relname), payload: String(cString: value.extra), processID: value.be_pid))
            PQfreemem(notice)
        }
    }
}
