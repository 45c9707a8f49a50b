/// How long to wait before trying again: `initial`, doubling with every failed attempt up to
/// `maximum`; with `jitter`, a random time between half of that and all of it, so that many
/// clients that failed together do not all come back together. The one formula every retry
/// loop uses (reconnecting, polling a database that is away, waiting out a failed batch).
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    public var jitter: Bool

    public init(initial: Duration, maximum: Duration, jitter: Bool = false) {
        (self.initial, self.maximum, self.jitter) = (initial, maximum, jitter)
    }

    /// The wait after `attempt` failures in a row (0: the first retry waits `initial`).
    public func delay(attempt: Int) -> Duration {
        let doubled = Self.seconds(initial) * Double(1 << min(max(attempt, 0), 30))
        let full = min(doubled, Self.seconds(maximum))
        let wait = jitter ? Double.random(in: (full / 2)...full) : full
        return .nanoseconds(Int64(wait * 1e9))
    }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
