import ConnectionThread
import Synchronization
import TestSupport
import Testing

/// What the idle handler saw last.
private final class IdleCalls: Sendable {
    let count = Mutex(0)
}

/// A counter isolated to a ``ConnectionThread``, as the connection actors are.
private actor ThreadBound {
    nonisolated let thread: ConnectionThread
    private var count = 0

    nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    init(thread: ConnectionThread) { self.thread = thread }

    /// Counts one call and says whether it ran on the thread.
    func touch() -> (count: Int, onThread: Bool) {
        count += 1
        return (count, thread.isCurrent)
    }

    func installIdleHandler(calls: IdleCalls) {
        thread.setIdleHandler { [self] _ in
            // Called back between jobs, outside any job: the actor's isolation is checked, not assumed.
            let count = assumeIsolated { actor in
                actor.count += 1
                return actor.count
            }
            calls.count.withLock { $0 = count }
            return false
        }
    }
}

/// The connection thread is the serial executor of the actors that wrap a C connection.
struct ConnectionThreadTests {
    @Test func anActorIsolatedToTheThreadRunsEveryCallOnIt() async {
        let thread = ConnectionThread(name: "test:actor")
        let bound = ThreadBound(thread: thread)
        let results = await withTaskGroup(of: (count: Int, onThread: Bool).self) { group in
            for _ in 0..<200 { group.addTask { await bound.touch() } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let everyCallOnTheThread = results.allSatisfy { $0.onThread }
        let counts = Set(results.map(\.count))
        #expect(everyCallOnTheThread)
        #expect(counts == Set(1...200), "one call at a time: no count is lost or repeated")
        #expect(!thread.isCurrent)
        thread.stop()
    }

    @Test func anActorCalledAfterTheThreadStoppedStillRunsOnItsExecutor() async throws {
        let thread = ConnectionThread(name: "test:stopped")
        let bound = ThreadBound(thread: thread)
        _ = await bound.touch()
        thread.stop()
        let refused = thread.submit {}
        #expect(!refused, "blocking jobs are refused once stopped")
        // The actor's own jobs are not refused: the thread's loop starts again for them.
        let late = await bound.touch()
        #expect(late.onThread)
        #expect(late.count == 2)
        let later = await bound.touch()
        #expect(later.onThread)
    }

    @Test func theIdleHandlerRunsOnTheThreadIsolatedToItsActor() async throws {
        let thread = ConnectionThread(name: "test:idle")
        let bound = ThreadBound(thread: thread)
        let calls = IdleCalls()
        await bound.installIdleHandler(calls: calls)
        let handled = try await eventually(within: 10) { calls.count.withLock { $0 } == 1 }
        #expect(handled)
        let after = await bound.touch()
        #expect(after.count == 2, "the handler's change is seen by the actor's next call")
        thread.stop()
    }

    @Test func aTaskPreferringTheThreadRunsOnItBetweenItsCalls() async {
        let thread = ConnectionThread(name: "test:preference")
        let bound = ThreadBound(thread: thread)
        let onThread = await withTaskExecutorPreference(thread) {
            let before = thread.isCurrent
            _ = await bound.touch()
            return before && thread.isCurrent
        }
        #expect(onThread)
        thread.stop()
    }
}
