import Analytics
import Contracts
import Foundation
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// erp-analytics' commands through the real broker and database: lead times are kept, and a
/// bad one or an unknown job is refused with the reason.
@Suite(.timeLimit(.minutes(6))) struct AnalyticsCommandTests {
    /// Its jobs never come due: the clock stands in 1970.
    static let analytics = ServiceUnderTest.service("t_an") { schema, queue, exchange in
        var schemas = AnalyticsSchemas()
        schemas.analytics = schema
        return AnalyticsService.definition(
            schemas: schemas, queuePrefix: String(queue.dropLast(".commands".count)), commandsExchange: exchange,
            clock: ManualDeadlineClock(Date(timeIntervalSince1970: 0)))
    }

    @Test(Self.analytics) func aLeadTimeIsKeptPerSKUAndWarehouseAndSetAgainReplacesIt() async throws {
        let harness = try ServiceHarness.required()
        for days in [10, 21] {
            let outcome = try await harness.client.send(AnalyticsCommand.SetLeadTime(sku: "TEE-RED-M", warehouse: "*", days: days, actor: "ann"))
            #expect(outcome.status == .done, "\(outcome)")
        }
        let rows = try await harness.pool.query(
            PostgresQuery(unsafeSQL: "SELECT sku || ' ' || warehouse || ' ' || days || ' ' || set_by FROM \(harness.schema).lead_times ORDER BY 1")
        ).map { try $0.decode(String.self, at: 0) }
        #expect(rows == ["* * 14 default", "TEE-RED-M * 21 ann"])
    }

    @Test(
        Self.analytics,
        arguments: [
            AnalyticsCommand.SetLeadTime(sku: "TEE RED", warehouse: "*", days: 5, actor: "ann"),
            AnalyticsCommand.SetLeadTime(sku: "*", warehouse: "S\u{0}H", days: 5, actor: "ann"),
            AnalyticsCommand.SetLeadTime(sku: "*", warehouse: "SH", days: 0, actor: "ann"),
            AnalyticsCommand.SetLeadTime(sku: "*", warehouse: "SH", days: 366, actor: "ann"),
            AnalyticsCommand.SetLeadTime(sku: "*", warehouse: "SH", days: 5, actor: " "),
        ])
    func aBadLeadTimeIsRefusedWithTheReason(_ command: AnalyticsCommand.SetLeadTime) async throws {
        let harness = try ServiceHarness.required()
        let outcome = try await harness.client.send(command)
        #expect(outcome.status == .refused && outcome.code == "validation", "\(outcome)")
        #expect(outcome.reason?.isEmpty == false)
    }

    @Test(Self.analytics) func anUnknownJobIsRefusedWithTheJobsThereAre() async throws {
        let harness = try ServiceHarness.required()
        let outcome = try await harness.client.send(AnalyticsCommand.RunJob(job: "everything"))
        #expect(outcome.code == "validation")
        #expect(outcome.reason?.contains("stock-snapshot, forecast, refresh") == true, "\(String(describing: outcome.reason))")
    }

    @Test(Self.analytics) func aReportIsSavedReplacedAndDeletedAndABadOneRefused() async throws {
        let harness = try ServiceHarness.required()
        for sql in ["SELECT 1 AS one", "SELECT day FROM analytics.sales_daily WHERE day >= {{from}}"] {
            let saved = try await harness.client.send(
                AnalyticsCommand.SaveReport(
                    name: "since", sql: sql, parameters: sql.contains("{{") ? [.init(name: "from", type: "date")] : [], description: "d",
                    actor: "ann"))
            #expect(saved.status == .done, "\(saved)")
        }
        let kept = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT sql, parameters::text FROM \(harness.schema).reports"))
        #expect(kept.count == 1)
        #expect(try kept[0].decode(String.self, at: 1) == #"[{"name": "from", "type": "date"}]"#)
        let bad = try await harness.client.send(
            AnalyticsCommand.SaveReport(name: "since", sql: "SELECT {{to}}", parameters: [], description: "", actor: "ann"))
        #expect(bad.code == "validation" && bad.reason?.contains("{{to}}") == true, "\(bad)")
        #expect(try await harness.client.send(AnalyticsCommand.DeleteReport(name: "since", actor: "ann")).status == .done)
        #expect(try await harness.client.send(AnalyticsCommand.DeleteReport(name: "since", actor: "ann")).code == "unknown-report")
    }
}
