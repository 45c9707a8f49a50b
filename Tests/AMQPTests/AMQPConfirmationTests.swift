@testable import AMQP
import Testing

/// Waiting for a publisher confirm: the answer reaches the waiter, and a cancelled waiter
/// stops waiting (no broker needed).
struct AMQPConfirmationTests {
    @Test func aConfirmReachesItsWaiterAndACancelledWaiterStopsWaiting() async throws {
        let confirmed = AMQPConfirmation()
        let waiting = Task { try await confirmed.outcome() }
        confirmed.complete(.success(.confirmed))
        #expect(try await waiting.value == .confirmed)

        let pending = AMQPConfirmation()
        let cancelled = Task { try await pending.outcome() }
        cancelled.cancel()
        let result = await cancelled.result
        #expect(throws: CancellationError.self) { try result.get() }
        pending.complete(.success(.confirmed))  // the answer that comes later finds nobody waiting
        #expect(try await pending.outcome() == .confirmed, "and is kept for whoever asks next")
    }
}
