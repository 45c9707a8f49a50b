/// Daily demand series with a known shape (level, trend, weekly pattern, noise), for the
/// forecast's tests and `erp-bench forecast`: what a model should find again.
public struct SyntheticDemand: Sendable {
    public var level: Double
    /// Units per day added each day.
    public var trend: Double
    /// Multipliers of the days of the week, Monday first.
    public var weekly: [Double]
    /// Standard deviation of the normal noise added to each day.
    public var noise: Double

    public init(level: Double, trend: Double, weekly: [Double] = [1.2, 1.1, 1.0, 1.0, 1.1, 0.7, 0.9], noise: Double) {
        (self.level, self.trend, self.weekly, self.noise) = (level, trend, weekly, noise)
    }

    /// A random shape: level 5 to 80 units a day, trend up to ±1 % of it a day, a weekly swing
    /// of up to ±40 %, noise of 5 to 30 % of the level.
    public static func random(_ random: inout SplitMixRandom) -> SyntheticDemand {
        let level = Double.random(in: 5...80, using: &random)
        let swing = Double.random(in: 0.05...0.4, using: &random)
        let weekly = (0..<7).map { _ in 1 + Double.random(in: -swing...swing, using: &random) }
        return SyntheticDemand(
            level: level, trend: level * Double.random(in: -0.004...0.01, using: &random), weekly: weekly,
            noise: level * Double.random(in: 0.05...0.3, using: &random))
    }

    /// `days` days (day 0 a Monday), never below 0, the noise from `random`.
    public func series(days: Int, _ random: inout SplitMixRandom) -> [Double] {
        (0..<days).map { day in max(0, (level + trend * Double(day)) * weekly[day % 7] + noise * random.nextNormal()) }
    }

    /// The expected value of `day` (no noise).
    public func expected(day: Int) -> Double { max(0, (level + trend * Double(day)) * weekly[day % 7]) }
}
