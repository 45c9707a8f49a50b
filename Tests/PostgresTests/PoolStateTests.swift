import Postgres
import Testing

/// The pool's bookkeeping without a database: what it decides on each lease, wait, release,
/// cancellation and close.
struct PoolStateTests {
    typealias State = PoolState<String, String>

    @Test func connectionsAreOpenedUpToTheSizeThenReusedThenWaitedFor() {
        var state = State(size: 2)
        guard case .open = state.lease(), case .open = state.lease() else { Issue.record("two opened"); return }
        guard case .wait = state.lease() else { Issue.record("the third waits"); return }
        #expect(state.open == 2)
        guard case .keep = state.release("A", reusable: true) else { Issue.record("kept idle"); return }
        guard case .use("A") = state.lease() else { Issue.record("reused"); return }
        state.openFailed()
        #expect(state.open == 1, "a connection that could not be opened gives its slot back")
    }

    @Test func aReturnedConnectionGoesToTheOldestWaiterAndABrokenOneIsReplacedForIt() {
        var state = State(size: 1)
        _ = state.lease()
        guard case .queued = state.wait(id: 1, "first", cancelled: false), case .queued = state.wait(id: 2, "second", cancelled: false) else {
            Issue.record("both wait")
            return
        }
        guard case .handOver("first") = state.release("A", reusable: true) else { Issue.record("oldest first"); return }
        guard case .closeAndOpenFor("second") = state.release("A", reusable: false) else { Issue.record("replaced for the next"); return }
        #expect(state.open == 1, "the replacement keeps the slot")
        guard case .close = state.release("B", reusable: false) else { Issue.record("nobody waits: closed"); return }
        #expect(state.open == 0)
    }

    @Test func aCancelledWaiterStopsWaitingAndACancelledTaskDoesNotQueue() {
        var state = State(size: 1)
        _ = state.lease()
        _ = state.wait(id: 7, "w", cancelled: false)
        #expect(state.cancel(id: 7) == "w")
        #expect(state.cancel(id: 7) == nil, "once")
        #expect(state.waiters.isEmpty)
        guard case .cancelled = state.wait(id: 8, "x", cancelled: true) else { Issue.record("not queued"); return }
        #expect(state.waiters.isEmpty)
    }

    @Test func aClosedPoolRefusesClosesWhatIsIdleAndWhatComesBack() {
        var state = State(size: 2)
        _ = state.lease()
        _ = state.lease()
        _ = state.release("A", reusable: true)
        let closed = state.close()
        #expect(closed.idle == ["A"])
        guard case .refuse = state.lease(), case .refuse = state.wait(id: 2, "v", cancelled: false) else { Issue.record("refused"); return }
        guard case .close = state.release("B", reusable: true) else { Issue.record("closed as it comes back"); return }
        #expect(state.open == 0)
    }

    @Test func closingRefusesTheWaiters() {
        var state = State(size: 1)
        _ = state.lease()
        _ = state.wait(id: 1, "w", cancelled: false)
        #expect(state.close().waiters == ["w"])
    }
}
