import Foundation
import Synchronization

/// The time a service's persisted deadlines live by (the saga coordinator's steps, the
/// CRM's ticket SLAs): when a deadline is due, and how long its timer sleeps between looks
/// for due deadlines. The system clock runs the services; tests move a
/// ``ManualDeadlineClock`` past a deadline instead of waiting for it.
public protocol DeadlineClock: Sendable {
    var now: Date { get }
    func sleep(for duration: Duration) async throws
}

public struct SystemDeadlineClock: DeadlineClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// A clock that moves only when told (``advance(by:)``). Its timer still looks for due
/// deadlines every few milliseconds of real time, so that a test sees them fire at once.
public final class ManualDeadlineClock: DeadlineClock {
    private let current: Mutex<Date>
    public init(_ start: Date = Date()) { current = Mutex(start) }
    public var now: Date { current.withLock { $0 } }
    public func advance(by duration: Duration) {
        current.withLock { $0 += Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    }
    private let slept = Mutex(0)
    /// How many sleeps ended: a test waits for two more to know its sleeper looked again.
    public var sleeps: Int { slept.withLock { $0 } }
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: .milliseconds(20))
        slept.withLock { $0 += 1 }
    }
}
