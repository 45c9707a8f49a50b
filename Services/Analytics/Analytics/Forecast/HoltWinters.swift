import Foundation

/// Additive Holt-Winters exponential smoothing (level, damped trend, seasonality of `period`
/// steps): a pure model of a demand series, fitted in one pass. Daily demand with a weekly
/// season is `period: 7`.
public struct HoltWinters: Sendable, Equatable {
    /// The smoothing weights: level α, trend β, season γ (each 0...1) and trend damping φ (1: none).
    public struct Parameters: Sendable, Equatable, Hashable, Codable {
        public var alpha: Double
        public var beta: Double
        public var gamma: Double
        public var phi: Double
        public init(alpha: Double, beta: Double, gamma: Double, phi: Double) {
            (self.alpha, self.beta, self.gamma, self.phi) = (alpha, beta, gamma, phi)
        }

        /// The candidates a backtest chooses among.
        public static let grid: [Parameters] = {
            var all: [Parameters] = []
            for alpha in [0.05, 0.1, 0.2, 0.3, 0.5] {
                for beta in [0.0, 0.02, 0.05, 0.1, 0.2] {
                    for gamma in [0.05, 0.1, 0.2, 0.3] {
                        for phi in [0.9, 0.98, 1.0] { all.append(Parameters(alpha: alpha, beta: beta, gamma: gamma, phi: phi)) }
                    }
                }
            }
            return all
        }()
    }

    public let parameters: Parameters
    public let period: Int
    /// The state after the last observation.
    public private(set) var level: Double
    public private(set) var trend: Double
    /// The seasonal terms, `season[i]` for the step `i` positions after the next one (mod period).
    public private(set) var season: [Double]
    /// The root mean square of the one-step-ahead errors over the fitted series.
    public private(set) var sigma: Double
    public private(set) var observations: Int

    /// Fits the model to `series` (at least two periods long; oldest first).
    public init(fitting series: [Double], period: Int = 7, parameters: Parameters) throws {
        guard period >= 2 else { throw ForecastError.badPeriod(period) }
        guard series.count >= 2 * period else { throw ForecastError.tooShort(count: series.count, needed: 2 * period) }
        guard series.allSatisfy(\.isFinite) else { throw ForecastError.notFinite }
        // The starting state from the first seasons (up to four): a straight line through them
        // for level and trend, and each position's mean distance from the line for the season.
        let seasons = min(4, series.count / period)
        let start = Array(series[0..<(seasons * period)])
        let n = Double(start.count)
        let meanT = (n - 1) / 2
        let meanY = start.reduce(0, +) / n
        var covariance = 0.0
        var varianceT = 0.0
        for (t, y) in start.enumerated() {
            covariance += (Double(t) - meanT) * (y - meanY)
            varianceT += (Double(t) - meanT) * (Double(t) - meanT)
        }
        var trend = varianceT > 0 ? covariance / varianceT : 0
        let intercept = meanY - trend * meanT
        var season = (0..<period).map { position in
            stride(from: position, to: start.count, by: period).map { start[$0] - (intercept + trend * Double($0)) }.reduce(0, +) / Double(seasons)
        }
        let offset = season.reduce(0, +) / Double(period)
        season = season.map { $0 - offset }
        var level = intercept + offset - trend
        var squared = 0.0
        var errors = 0
        let p = parameters
        for index in series.indices {
            let value = series[index]
            let slot = index % period
            let forecast = level + p.phi * trend + season[slot]
            let error = value - forecast
            squared += error * error
            errors += 1
            let previous = level
            level = p.alpha * (value - season[slot]) + (1 - p.alpha) * (level + p.phi * trend)
            trend = p.beta * (level - previous) + (1 - p.beta) * p.phi * trend
            season[slot] = p.gamma * (value - level) + (1 - p.gamma) * season[slot]
        }
        // Rotate so that season[0] is the term of the next step.
        let next = series.count % period
        self.season = Array(season[next...] + season[..<next])
        (self.level, self.trend, self.parameters, self.period, self.observations) = (level, trend, parameters, period, series.count)
        sigma = errors > 0 ? (squared / Double(errors)).squareRoot() : 0
    }

    /// The expected values of the next `horizon` steps (never below 0: demand).
    public func forecast(_ horizon: Int) -> [Double] {
        var damping = 0.0
        var factor = 1.0
        return (0..<max(0, horizon)).map { step in
            factor *= parameters.phi
            damping += factor
            return max(0, level + damping * trend + season[step % period])
        }
    }

    /// Quantiles (`lower`, `upper`, e.g. 0.1 and 0.9 for an 80 % interval) of the sums of
    /// `buckets` consecutive buckets of `bucket` steps (7: weeks) that start `skip` steps
    /// ahead, from `paths` simulated futures with normal errors of the fitted sigma.
    /// Deterministic for a seed.
    public func intervals(
        skip: Int = 0, buckets: Int, bucket: Int, lower: Double = 0.1, upper: Double = 0.9, paths: Int = 500, seed: UInt64 = 1
    ) -> [(lower: Double, upper: Double)] {
        guard buckets > 0, bucket > 0 else { return [] }
        var random = SplitMixRandom(seed: seed)
        var sums = Array(repeating: [Double](), count: buckets)
        for _ in 0..<paths {
            var (level, trend, season) = (self.level, self.trend, self.season)
            var total = Array(repeating: 0.0, count: buckets)
            for step in 0..<(max(0, skip) + buckets * bucket) {
                let slot = step % period
                let error = sigma * random.nextNormal()
                let value = level + parameters.phi * trend + season[slot] + error
                if step >= skip { total[(step - skip) / bucket] += max(0, value) }
                let previous = level
                level = level + parameters.phi * trend + parameters.alpha * error
                trend = parameters.phi * trend + parameters.beta * (level - previous - parameters.phi * trend)
                season[slot] += parameters.gamma * (1 - parameters.alpha) * error
            }
            for index in 0..<buckets { sums[index].append(total[index]) }
        }
        return sums.map { values in
            let sorted = values.sorted()
            func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count - 1)).rounded())))] }
            return (quantile(lower), quantile(upper))
        }
    }
}

public enum ForecastError: Error, Equatable, CustomStringConvertible {
    case badPeriod(Int)
    case tooShort(count: Int, needed: Int)
    case notFinite

    public var description: String {
        switch self {
        case .badPeriod(let period): return "a season of \(period) steps is too short (at least 2)"
        case .tooShort(let count, let needed): return "a series of \(count) values is too short to fit: at least \(needed) are needed"
        case .notFinite: return "the series holds a value that is not a finite number"
        }
    }
}

/// A small deterministic generator (SplitMix64) with standard normal draws (Box-Muller).
public struct SplitMixRandom: RandomNumberGenerator, Sendable {
    var state: UInt64
    var spare: Double?
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A draw of the standard normal distribution.
    public mutating func nextNormal() -> Double {
        if let spare {
            self.spare = nil
            return spare
        }
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        let radius = (-2 * Foundation.log(u)).squareRoot()
        spare = radius * Foundation.sin(2 * .pi * v)
        return radius * Foundation.cos(2 * .pi * v)
    }
}
