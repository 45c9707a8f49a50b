import Analytics
import Testing

/// The demand forecast on series of known shape: Holt-Winters with a weekly season finds the
/// shape again, beats the seasonal-naive forecast, and its 80 % interval holds about 80 %.
@Suite struct ForecastTests {
    @Test func aConstantSeriesIsForecastAsItselfWithNoSpread() throws {
        let model = try HoltWinters(fitting: Array(repeating: 10, count: 70), parameters: DemandForecast.defaultParameters)
        let forecast = model.forecast(14)
        let flat = forecast.allSatisfy { abs($0 - 10) < 1e-9 }
        #expect(flat, "\(forecast)")
        #expect(model.sigma < 1e-9)
        let interval = model.intervals(buckets: 2, bucket: 7)
        #expect(interval.count == 2)
        let collapsed = interval.allSatisfy { abs($0.lower - 70) < 1e-6 && abs($0.upper - 70) < 1e-6 }
        #expect(collapsed, "\(interval)")
    }

    @Test func aWeeklyPatternIsFoundAgain() throws {
        let shape = SyntheticDemand(level: 40, trend: 0, weekly: [1.5, 1, 1, 1, 1, 0.5, 1], noise: 0)
        var random = SplitMixRandom(seed: 3)
        let history = shape.series(days: 84, &random)
        let forecast = try DemandForecast(history: history, weeks: 2)
        #expect(forecast.method == .holtWinters)
        let expected = (84..<98).map(shape.expected(day:))
        let worst = zip(forecast.daily, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 0.5, "Mondays high, Saturdays low: \(forecast.daily)")
    }

    @Test func onSeriesWithTrendAndSeasonItBeatsTheSeasonalNaiveForecast() throws {
        var random = SplitMixRandom(seed: 7)
        var model = 0.0
        var naive = 0.0
        for _ in 0..<40 {
            let shape = SyntheticDemand.random(&random)
            let series = shape.series(days: 182, &random)
            let training = Array(series.dropLast(28)), actual = Array(series.suffix(28))
            let chosen = try Backtest.choose(training, period: 7, holdout: 28).parameters
            let forecast = try HoltWinters(fitting: training, parameters: chosen).forecast(28)
            model += Backtest.mase(actual: actual, forecast: forecast, training: training, period: 7)
            naive += Backtest.mase(actual: actual, forecast: Backtest.seasonalNaive(training, period: 7, horizon: 28), training: training, period: 7)
        }
        #expect(model < naive * 0.9, "mean MASE \(model / 40) against the seasonal naive's \(naive / 40)")
    }

    @Test func theEightyPercentIntervalHoldsAboutEightyPercentOfWeeks() throws {
        var random = SplitMixRandom(seed: 11)
        var inside = 0
        var weeks = 0
        for _ in 0..<60 {
            let shape = SyntheticDemand.random(&random)
            let series = shape.series(days: 140, &random)
            let forecast = try DemandForecast(history: Array(series.prefix(112)), weeks: 4)
            for (index, week) in forecast.weekly.enumerated() {
                let actual = series[(112 + index * 7)..<(112 + index * 7 + 7)].reduce(0, +)
                weeks += 1
                if week.lower <= actual && actual <= week.upper { inside += 1 }
            }
        }
        let coverage = Double(inside) / Double(weeks)
        #expect(coverage > 0.65 && coverage < 0.95, "coverage \(coverage) of \(weeks) weeks")
    }

    @Test func theSameHistoryGivesTheSameForecast() throws {
        var random = SplitMixRandom(seed: 5)
        let history = SyntheticDemand.random(&random).series(days: 100, &random)
        #expect(try DemandForecast(history: history, skip: 3, weeks: 8) == DemandForecast(history: history, skip: 3, weeks: 8))
    }

    @Test func aShortHistoryIsForecastByItsMeanDay() throws {
        let forecast = try DemandForecast(history: [2, 4, 6], weeks: 2)
        #expect(forecast.method == .mean)
        #expect(forecast.daily == Array(repeating: 4, count: 14))
        #expect(forecast.weekly.map(\.units) == [28, 28])
        let around = forecast.weekly.allSatisfy { $0.lower < 28 && $0.upper > 28 }
        #expect(around)
    }

    @Test func historiesItCannotForecastAreRefusedWithTheReason() throws {
        #expect(throws: ForecastError.tooShort(count: 0, needed: 1)) { try DemandForecast(history: [], weeks: 1) }
        #expect(throws: ForecastError.notFinite) { try DemandForecast(history: [1, .nan, 2], weeks: 1) }
        #expect(throws: ForecastError.notFinite) { try DemandForecast(history: [1, -2, 2], weeks: 1) }
        #expect(throws: ForecastError.tooShort(count: 10, needed: 14)) {
            try HoltWinters(fitting: Array(repeating: 1, count: 10), parameters: DemandForecast.defaultParameters)
        }
    }
}
