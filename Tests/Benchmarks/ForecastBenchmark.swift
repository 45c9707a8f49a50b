import Analytics
import ArgumentParser
import Foundation

/// `erp-bench forecast`: the demand forecast's accuracy on generated daily series with a
/// trend and a weekly season (``SyntheticDemand``), against the seasonal-naive forecast
/// (each day as the same weekday a week before). For each series the last four weeks are
/// held out; the weights are chosen by the backtest on the weeks before them, as the nightly
/// job does; both forecasts are scored by MASE on the held-out weeks. Also the share of
/// held-out weeks inside the 80 % interval, and how many SKUs a second the job fits.
struct ForecastBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast", abstract: "Backtest error (MASE) of the Holt-Winters forecast against the seasonal-naive one.")
    @Option(help: "Generated series (SKUs).") var series = 500
    @Option(help: "Days of history per series.") var days = 364
    @Option(help: "Random seed of the series.") var seed: UInt64 = 2026

    func validate() throws {
        guard (1...100_000).contains(series) else { throw ValidationError("--series must be 1 to 100000") }
        guard (84...3_650).contains(days) else { throw ValidationError("--days must be 84 to 3650") }
    }

    func run() async throws {
        var random = SplitMixRandom(seed: seed)
        var model: [Double] = []
        var naive: [Double] = []
        var inside = 0
        var weeks = 0
        var fitting = 0.0
        for _ in 0..<series {
            let shape = SyntheticDemand.random(&random)
            let values = shape.series(days: days, &random)
            let training = Array(values.dropLast(DemandForecast.holdout))
            let actual = Array(values.suffix(DemandForecast.holdout))
            let started = monotonicSeconds()
            let forecast = try DemandForecast(history: training, weeks: DemandForecast.holdout / 7)
            fitting += monotonicSeconds() - started
            model.append(Backtest.mase(actual: actual, forecast: forecast.daily, training: training, period: 7))
            naive.append(
                Backtest.mase(
                    actual: actual, forecast: Backtest.seasonalNaive(training, period: 7, horizon: DemandForecast.holdout), training: training,
                    period: 7))
            for (index, week) in forecast.weekly.enumerated() {
                let units = actual[(index * 7)..<(index * 7 + 7)].reduce(0, +)
                weeks += 1
                if week.lower <= units && units <= week.upper { inside += 1 }
            }
        }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let better = zip(model, naive).filter { $0 < $1 }.count
        print("forecast: \(series) series of \(days) days (trend and weekly season, seed \(seed)), last 28 days held out")
        print(String(format: "  Holt-Winters (weights by backtest): MASE mean %.3f, median %.3f", mean(model), median(model)))
        print(String(format: "  seasonal naive:                     MASE mean %.3f, median %.3f", mean(naive), median(naive)))
        print(
            String(
                format: "  Holt-Winters better on %d of %d series; 80 %% interval held %.1f %% of %d weeks", better, series,
                100 * Double(inside) / Double(weeks), weeks))
        print(
            String(
                format: "  fitting (backtest over %d weight sets, refit, 500 simulated paths): %.1f SKUs/s", HoltWinters.Parameters.grid.count,
                Double(series) / fitting))
    }
}
