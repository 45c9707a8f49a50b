/// The bookkeeping of a connection pool, as a value (pure, tested without a database): its
/// methods change it and say what the pool must do (use, open, wait, hand over, close).
/// Generic over the connection and over what a waiter is, so that tests use plain values.
public struct PoolState<Connection, Waiter> {
    public let size: Int
    public private(set) var idle: [Connection] = []
    /// Connections open or being opened (idle or leased).
    public private(set) var open = 0
    public private(set) var waiters: [(id: UInt64, waiter: Waiter)] = []
    public private(set) var closed = false

    public init(size: Int) {
        precondition(size > 0, "a pool needs at least one connection")
        self.size = size
    }

    public enum Lease {
        case use(Connection)
        /// Open a connection (its slot is counted; ``openFailed()`` gives it back).
        case open
        case wait
        case refuse
    }

    public mutating func lease() -> Lease {
        if closed { return .refuse }
        if let connection = idle.popLast() { return .use(connection) }
        guard open < size else { return .wait }
        open += 1
        return .open
    }

    public enum Wait {
        case use(Connection)
        case refuse
        /// The waiting task was cancelled: it stops waiting.
        case cancelled
        case queued
    }

    /// Queues a waiter, unless a connection came back meanwhile, the pool closed or the task was cancelled.
    public mutating func wait(id: UInt64, _ waiter: Waiter, cancelled: Bool) -> Wait {
        if closed { return .refuse }
        if cancelled { return .cancelled }
        if let connection = idle.popLast() { return .use(connection) }
        waiters.append((id, waiter))
        return .queued
    }

    /// A waiting task was cancelled: its waiter, if it still waits.
    public mutating func cancel(id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    public mutating func openFailed() { open -= 1 }

    public enum Release {
        /// Give the connection to the oldest waiter.
        case handOver(Waiter)
        case keep
        case close
        /// The connection was not fit to reuse: close it and open another for this waiter (its slot stays counted).
        case closeAndOpenFor(Waiter)
    }

    /// A leased connection comes back; `reusable` is false when it broke or was left inside a transaction.
    public mutating func release(_ connection: Connection, reusable: Bool) -> Release {
        guard reusable else {
            guard !waiters.isEmpty, !closed else {
                open -= 1
                return .close
            }
            return .closeAndOpenFor(waiters.removeFirst().waiter)
        }
        if closed {
            open -= 1
            return .close
        }
        if !waiters.isEmpty { return .handOver(waiters.removeFirst().waiter) }
        idle.append(connection)
        return .keep
    }

    /// Closes the pool: the idle connections to close and the waiters to refuse; leased
    /// connections are closed as they come back.
    public mutating func close() -> (idle: [Connection], waiters: [Waiter]) {
        closed = true
        let toClose = idle
        idle.removeAll()
        open -= toClose.count
        let refused = waiters.map(\.waiter)
        waiters.removeAll()
        return (toClose, refused)
    }
}
