import ConnectionThread
import Testing

/// The one retry formula: doubling from the first wait up to the most, with or without jitter.
struct BackoffTests {
    @Test func theWaitDoublesUpToTheMostAndAJitteredOneStaysWithinHalfOfIt() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        let waits = (0..<8).map { backoff.delay(attempt: $0) }
        #expect(waits.prefix(4) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
        #expect(waits.last == .seconds(5), "never more than the most")
        #expect(backoff.delay(attempt: 1_000) == .seconds(5), "no overflow on a long outage")
        #expect(backoff.delay(attempt: -1) == .milliseconds(100))
        let jittered = Backoff(initial: .milliseconds(100), maximum: .seconds(5), jitter: true)
        let samples = (0..<200).map { _ in jittered.delay(attempt: 3) }
        let withinHalf = samples.allSatisfy { $0 >= .milliseconds(400) && $0 <= .milliseconds(800) }
        #expect(withinHalf)
    }
}
