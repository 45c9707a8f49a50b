import Analytics
import Contracts
import Testing

/// What a saved report may be, and the statement a run becomes: parameters are typed binds,
/// never text put into the SQL.
@Suite struct SavedReportTests {
    typealias P = AnalyticsCommand.SaveReport.Parameter

    @Test func parametersBecomeTypedBindsInTheirDeclaredOrder() throws {
        let report = try SavedReport(
            name: "sales-since", sql: "SELECT * FROM analytics.sales_daily WHERE day >= {{from}} AND platform = {{platform}} AND day >= {{from}}",
            parameters: [P(name: "from", type: "date"), P(name: "platform", type: "text")], description: "")
        let (sql, binds) = try report.statement(["platform": "web'; DROP TABLE x; --", "from": "2026-11-01"])
        #expect(sql == "SELECT * FROM analytics.sales_daily WHERE day >= $1::date AND platform = $2::text AND day >= $1::date")
        #expect(binds == ["2026-11-01", "web'; DROP TABLE x; --"])
    }

    @Test(arguments: [
        ("Top SKUs", "SELECT 1", [P]()), ("", "SELECT 1", []), ("ok", "  ", []), ("ok", "SELECT {{from}}", []),
        ("ok", "SELECT 1", [P(name: "from", type: "date")]), ("ok", "SELECT {{from}}", [P(name: "from", type: "timestamp")]),
        ("ok", "SELECT {{from}}", [P(name: "from", type: "date"), P(name: "from", type: "date")]), ("ok", "SELECT '\u{0}'", []),
        ("ok", "SELECT {{From}}", [P(name: "From", type: "date")]),
    ])
    func aReportThatCannotRunIsRefusedWithTheReason(_ name: String, _ sql: String, _ parameters: [P]) {
        #expect(throws: CommandRefused.self) { try SavedReport(name: name, sql: sql, parameters: parameters, description: "") }
    }

    @Test(arguments: [
        ["from": "2026-13-01"], ["from": "yesterday"], [:], ["from": "2026-11-01", "to": "2026-11-30"], ["from": "2026-11-01\u{0}"],
    ])
    func aRunWithoutItsParametersOrWithBadValuesIsRefused(_ values: [String: String]) throws {
        let report = try SavedReport(name: "since", sql: "SELECT {{from}}", parameters: [P(name: "from", type: "date")], description: "")
        #expect(throws: CommandRefused.self) { try report.statement(values) }
    }

    @Test func eachTypeTakesItsValuesOnly() throws {
        let report = try SavedReport(
            name: "types", sql: "SELECT {{n}}, {{x}}, {{b}}",
            parameters: [P(name: "n", type: "integer"), P(name: "x", type: "numeric"), P(name: "b", type: "boolean")], description: "")
        #expect(try report.statement(["n": "-12", "x": "3.25", "b": "true"]).binds == ["-12", "3.25", "true"])
        #expect(throws: CommandRefused.self) { try report.statement(["n": "1.5", "x": "3", "b": "true"]) }
        #expect(throws: CommandRefused.self) { try report.statement(["n": "1", "x": "1,5", "b": "true"]) }
        #expect(throws: CommandRefused.self) { try report.statement(["n": "1", "x": "1", "b": "yes"]) }
    }
}
