import Foundation

/// The forecast of one SKU's daily demand: Holt-Winters with a weekly season, its weights
/// chosen by a backtest on the last four weeks, then refitted on the whole history; or, for
/// a history too short for that, the mean day.
public struct DemandForecast: Sendable, Equatable {
    public enum Method: String, Sendable, Codable { case holtWinters = "holt-winters", mean }

    public let method: Method
    public let parameters: HoltWinters.Parameters?
    /// Expected units of each day of the horizon, from the day after the history.
    public let daily: [Double]
    /// Expected units of a week and its 80 % interval.
    public struct Week: Sendable, Equatable {
        public let units: Double
        public let lower: Double
        public let upper: Double
    }

    /// `weeks` whole weeks, the first starting `skip` days after the history.
    public let weekly: [Week]
    /// The one-step error (root mean square) of the model on its history.
    public let sigma: Double
    /// Mean absolute scaled error of the backtest (the chosen weights on the held-out weeks, scaled
    /// by the in-sample error of the seasonal-naive forecast); nil for the mean method.
    public let backtestMASE: Double?

    public static let period = 7
    public static let holdout = 28
    /// The weights used when the history is long enough to fit but not to backtest.
    public static let defaultParameters = HoltWinters.Parameters(alpha: 0.2, beta: 0.02, gamma: 0.1, phi: 0.98)

    /// Forecasts the `skip + 7 * weeks` days after `history` (daily units, oldest first, at
    /// least one day), and `weeks` weeks from `skip` days ahead (to start them on a Monday).
    public init(history: [Double], skip: Int = 0, weeks: Int, seed: UInt64 = 1) throws {
        guard !history.isEmpty else { throw ForecastError.tooShort(count: 0, needed: 1) }
        guard history.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw ForecastError.notFinite }
        let skip = max(0, skip)
        let horizon = skip + Self.period * max(0, weeks)
        if history.count >= 2 * Self.period {
            var chosen = Self.defaultParameters
            var mase: Double?
            if history.count >= 2 * Self.period + Self.holdout {
                let backtest = try Backtest.choose(history, period: Self.period, holdout: Self.holdout)
                (chosen, mase) = (backtest.parameters, backtest.mase)
            }
            let model = try HoltWinters(fitting: history, period: Self.period, parameters: chosen)
            let daily = model.forecast(horizon)
            let intervals = model.intervals(skip: skip, buckets: weeks, bucket: Self.period, seed: seed)
            weekly = (0..<max(0, weeks)).map { week in
                let units = daily[(skip + week * Self.period)..<(skip + (week + 1) * Self.period)].reduce(0, +)
                return Week(units: units, lower: min(units, intervals[week].lower), upper: max(units, intervals[week].upper))
            }
            (method, parameters, self.daily, sigma, backtestMASE) = (.holtWinters, chosen, daily, model.sigma, mase)
        } else {
            let mean = history.reduce(0, +) / Double(history.count)
            let variance = history.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, history.count - 1))
            let spread = 1.2816 * (variance * Double(Self.period)).squareRoot()
            weekly = (0..<max(0, weeks)).map { _ in
                let units = mean * Double(Self.period)
                return Week(units: units, lower: max(0, units - spread), upper: units + spread)
            }
            (method, parameters, daily, sigma, backtestMASE) = (
                .mean, nil, Array(repeating: mean, count: max(0, horizon)), variance.squareRoot(), nil
            )
        }
    }
}

/// Choosing a model's weights by how well it would have forecast what came after.
public enum Backtest {
    /// The grid's weights whose forecasts from several origins in the last `holdout` values
    /// (every `period` steps: fitted on what came before each, forecasting to the end) have the
    /// least mean absolute error; with the MASE of the chosen weights' forecast from the first origin.
    public static func choose(
        _ series: [Double], period: Int, holdout: Int, grid: [HoltWinters.Parameters] = HoltWinters.Parameters.grid
    ) throws -> (parameters: HoltWinters.Parameters, mase: Double) {
        guard series.count >= 2 * period + holdout else {
            throw ForecastError.tooShort(count: series.count, needed: 2 * period + holdout)
        }
        let origins = stride(from: series.count - holdout, to: series.count, by: period).map { $0 }
        var best: (parameters: HoltWinters.Parameters, error: Double)?
        for parameters in grid {
            var error = 0.0
            var count = 0
            for origin in origins {
                let forecast = try HoltWinters(fitting: Array(series[..<origin]), period: period, parameters: parameters).forecast(
                    series.count - origin)
                error += zip(series[origin...], forecast).map { abs($0 - $1) }.reduce(0, +)
                count += series.count - origin
            }
            if best == nil || error / Double(count) < best!.error { best = (parameters, error / Double(count)) }
        }
        let chosen = best!.parameters
        let training = Array(series.dropLast(holdout))
        let forecast = try HoltWinters(fitting: training, period: period, parameters: chosen).forecast(holdout)
        return (chosen, mase(actual: Array(series.suffix(holdout)), forecast: forecast, training: training, period: period))
    }

    public static func meanAbsoluteError(_ actual: [Double], _ forecast: [Double]) -> Double {
        guard !actual.isEmpty else { return 0 }
        return zip(actual, forecast).map { abs($0 - $1) }.reduce(0, +) / Double(actual.count)
    }

    /// Mean absolute scaled error: the forecast's mean absolute error over that of the in-sample
    /// seasonal-naive forecast (each day as the same day a season before). Below 1 beats it.
    public static func mase(actual: [Double], forecast: [Double], training: [Double], period: Int) -> Double {
        let naive = zip(training.dropFirst(period), training).map { abs($0 - $1) }
        let scale = naive.isEmpty ? 0 : naive.reduce(0, +) / Double(naive.count)
        let error = meanAbsoluteError(actual, forecast)
        return scale > 0 ? error / scale : (error == 0 ? 0 : .infinity)
    }

    /// Each of the next `horizon` values as the value one season before it.
    public static func seasonalNaive(_ training: [Double], period: Int, horizon: Int) -> [Double] {
        let last = Array(training.suffix(period))
        return (0..<horizon).map { last[$0 % last.count] }
    }
}
