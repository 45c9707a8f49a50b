import Synchronization

/// The messages a consumer's transaction wrote to the outbox, handed to the same process's
/// ``OutboxRelay`` once that transaction has committed: the relay publishes them from memory
/// (it locks their rows by message id, `FOR UPDATE SKIP LOCKED`, so a row another relay took
/// is not published twice) without reading them back, and the transaction wakes no listener
/// (it sets `erp.outbox_handed_off`, which the outbox trigger reads before its NOTIFY).
///
/// Only a shortcut: the rows are in the outbox either way. Rows whose hand-off is lost (the
/// process died after the commit, or more than ``limit`` wait) are published by a relay's
/// poll, at most its poll interval later.
public final class OutboxHandOff: Sendable {
    /// Beyond this many messages waiting (the broker is away), offers are dropped: their rows
    /// wait for the poll instead of in memory.
    public static let limit = 10_000

    private let waiting = Mutex<[Outbox.Entry]>([])
    let wake = WakeSignal()

    public init() {}

    /// After the commit: the rows of these messages are in the outbox.
    func offer(_ entries: [Outbox.Entry]) {
        guard !entries.isEmpty else { return }
        let taken = waiting.withLock { waiting in
            guard waiting.count + entries.count <= Self.limit else { return false }
            waiting += entries
            return true
        }
        if taken { wake.signal() }
    }

    /// Up to `max` messages, in the order they were offered.
    func take(max: Int) -> [Outbox.Entry] {
        waiting.withLock { waiting in
            let taken = Array(waiting.prefix(max))
            waiting.removeFirst(taken.count)
            return taken
        }
    }

    var isEmpty: Bool { waiting.withLock { $0.isEmpty } }
}
