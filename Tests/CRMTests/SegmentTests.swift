import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

@testable import CRM

/// RFM segments: scores by quintiles over the active customers, named by the RFM map,
/// refreshed on request and nightly, each change of segment announced.
@Suite(.timeLimit(.minutes(6))) struct SegmentTests {
    static let refreshClock = ManualDeadlineClock(Date(timeIntervalSince1970: 1_790_000_000))
    static let nightlyClock = ManualDeadlineClock(Date())

    @Test(arguments: [
        (5, 5, 5, RFMSegment.champions), (4, 3, 2, .potentialLoyalists), (3, 3, 4, .loyal), (2, 5, 3, .atRisk), (1, 3, 1, .lost),
        (5, 1, 1, .new), (4, 1, 1, .promising), (3, 3, 3, .needAttention), (3, 1, 2, .aboutToSleep), (1, 5, 5, .cannotLose),
        (2, 1, 2, .hibernating),
    ])
    func theRFMMapNamesEverySegment(r: Int, f: Int, m: Int, segment: RFMSegment) {
        #expect(RFM.segment(recency: r, frequency: f, monetary: m) == segment)
    }

    @Test func everyCellOfTheMapIsASegmentAndEverySegmentIsOnTheMap() {
        #expect(RFM.map.map(\.count) == [5, 5, 5, 5, 5])
        #expect(Set(RFM.map.joined()) == Set(RFMSegment.allCases))
    }

    /// Five people whose last orders are 400, 200, 90, 10 and 1 days old.
    static func people(_ harness: ServiceHarness, now: Date) async throws -> [String: Int64] {
        // (name, days ago of each order, total of each in minor units)
        let plan: [(String, [Double], Int64)] = [
            ("a", [30, 5, 1], 30_000), ("b", [10], 5_000), ("c", [90], 50_000), ("d", [300, 250, 200], 10_000), ("e", [400], 2_000),
        ]
        var id: Int64 = 900
        var orders: [String: Int64] = [:]
        for (name, days, total) in plan {
            for ago in days {
                id += 1
                try await CRMTest.placed(
                    CRMTest.order(
                        id, total: CRMTest.cny(total), customer: .init(name: name, email: "\(name)@segments.example"),
                        placedAt: now - ago * 86_400), harness)
                orders[name] = id
            }
        }
        let customers = try await CRMTest.waitForOrders(Array(orders.values), harness)
        #expect(Set(customers).count == 5)
        var byName: [String: Int64] = [:]
        for (name, order) in orders { byName[name] = try await CRMTest.customer(ofOrder: order, harness) }
        return byName
    }

    static func segments(_ harness: ServiceHarness) async throws -> [Int64: String] {
        var found: [Int64: String] = [:]
        for row in try await harness.pool.query("SELECT customer, segment FROM \(identifier: harness.schema).customer_rfm") {
            found[try row.decode(Int64.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return found
    }

    @Test(.service("t_crm", TicketTests.definition(refreshClock)))
    func aRefreshScoresByQuintilesNamesTheSegmentsAndAnnouncesOnlyChanges() async throws {
        let harness = try ServiceHarness.required()
        let people = try await Self.people(harness, now: Self.refreshClock.now)
        let first = try await harness.client.send(CRMCommand.RefreshSegments())
        let result = try first.decodeResult(CRMResult.SegmentsRefreshed.self)
        #expect(result.scored == 5 && result.changed == 5)
        let segments = try await Self.segments(harness)
        let expected: [String: String] = ["a": "champions", "b": "potential_loyalists", "c": "loyal", "d": "at_risk", "e": "lost"]
        for (name, segment) in expected { #expect(segments[people[name] ?? 0] == segment, "\(name)") }
        let scores = try await harness.pool.query(
            "SELECT r, f, m, recency_days, frequency, monetary_minor FROM \(identifier: harness.schema).customer_rfm WHERE customer = \(people["d"] ?? 0)"
        )[0]
        #expect(try scores.decode(Int.self, at: 0) == 2 && scores.decode(Int.self, at: 1) == 5 && scores.decode(Int.self, at: 2) == 3)
        #expect(try scores.decode(Int.self, at: 3) == 200 && scores.decode(Int.self, at: 4) == 3 && scores.decode(Int64.self, at: 5) == 30_000)

        let again = try await harness.client.send(CRMCommand.RefreshSegments())
        #expect(try again.decodeResult(CRMResult.SegmentsRefreshed.self).changed == 0, "nothing changed, nothing announced")

        // e orders again today (no longer lost); c is forgotten and leaves its segment.
        try await CRMTest.placed(
            CRMTest.order(999, total: CRMTest.cny(90_000), customer: .init(name: "e", email: "e@segments.example"), placedAt: Self.refreshClock.now),
            harness)
        _ = try await CRMTest.waitForOrders([999], harness)
        #expect(try await harness.client.send(CRMCommand.ForgetCustomer(customer: people["c"] ?? 0, reason: "asked", actor: "tests")).status == .done)
        let third = try await harness.client.send(CRMCommand.RefreshSegments())
        #expect(try third.decodeResult(CRMResult.SegmentsRefreshed.self).scored == 4)
        let after = try await Self.segments(harness)
        #expect(after[people["c"] ?? 0] == nil, "a forgotten customer is in no segment")
        #expect(after[people["e"] ?? 0] != "lost", "e is back: \(String(describing: after[people["e"] ?? 0]))")
        let announced = try await harness.outboxTypes().filter { $0 == CRMEvent.SegmentChanged.type.rawValue }
        #expect(announced.count >= 7, "5 at first, then at least e's move and c's leaving (\(announced.count))")
        let listed = try await SegmentQueries(schema: harness.schema).segments(harness.pool)
        #expect(listed.count == RFMSegment.allCases.count)
        #expect(listed.map(\.members).reduce(0, +) == 4)
    }

    /// Runs `body` on a migrated CRM schema of its own (no service's timer takes the refresh
    /// first), dropped afterwards.
    static func withNightlySchema(poolSize: Int, _ body: (PostgresPool, String, SegmentStore) async throws -> Void) async throws {
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: TestEnvironment.databaseURL), size: poolSize)
        let schema = TestEnvironment.uniqueName("t_nightly")
        var failure: (any Error)?
        do {
            try await PostgresMigrator(schema: schema, migrations: CRMMigrations.all).migrate(pool)
            try await body(pool, schema, SegmentStore(schema: schema))
        } catch { failure = error }
        _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        await pool.close()
        if let failure { throw failure }
    }

    /// Several instances' timers at the same moment: one of them takes the night's refresh.
    @Test func instancesTakingTheDueNightlyRefreshAtOnceTakeItOnce() async throws {
        try await Self.withNightlySchema(poolSize: 4) { pool, schema, store in
            try await pool.query("UPDATE \(identifier: schema).segment_schedule SET due_at = '2026-01-01T02:00:00Z'")
            let now = try #require(ISODateTime.parse("2026-01-03T02:00:05Z"))
            let takers = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { try await pool.withTransaction { try await store.takeNightly(now: now, in: $0) } } }
                var took = 0
                for try await taken in group where taken { took += 1 }
                return took
            }
            #expect(takers == 1, "\(takers) of 8 took it")
        }
    }

    @Test func theNextNightlyRefreshIsTheFirst0200UTCAfterTheOneTaken() async throws {
        try await Self.withNightlySchema(poolSize: 1) { pool, schema, store in
            // Taken in a session whose time zone is not UTC: the night is UTC's all the same.
            func taken(at text: String) async throws -> (took: Bool, due: Date) {
                let now = try #require(ISODateTime.parse(text))
                let took = try await pool.withTransaction { tx in
                    try await tx.query("SET LOCAL TIME ZONE 'Asia/Shanghai'")
                    return try await store.takeNightly(now: now, in: tx)
                }
                return (took, try await pool.query("SELECT due_at FROM \(identifier: schema).segment_schedule")[0].decode(Date.self, at: 0))
            }
            try await pool.query("UPDATE \(identifier: schema).segment_schedule SET due_at = '2026-01-01T02:00:00Z'")
            let late = try await taken(at: "2026-01-03T00:30:00Z")
            #expect(late.took && late.due == ISODateTime.parse("2026-01-03T02:00:00Z"), "taken late after midnight: that same night next (\(late))")
            let early = try await taken(at: "2026-01-03T01:00:00Z")
            #expect(!early.took, "not due yet")
            let onTime = try await taken(at: "2026-01-03T02:00:05Z")
            #expect(onTime.took && onTime.due == ISODateTime.parse("2026-01-04T02:00:00Z"), "\(onTime)")
        }
    }

    @Test(.service("t_crm", TicketTests.definition(nightlyClock)))
    func theNightlyRefreshRunsOnceWhenItIsDue() async throws {
        let harness = try ServiceHarness.required()
        _ = try await Self.people(harness, now: Self.nightlyClock.now)
        let before = Self.nightlyClock.sleeps
        let lookedAgain = try await eventually { Self.nightlyClock.sleeps >= before + 2 }
        #expect(lookedAgain, "the timer looked at least once after the customers came")
        #expect(try await Self.segments(harness).isEmpty, "not due before 02:00 UTC")
        Self.nightlyClock.advance(by: .seconds(27 * 3_600))
        let scored = try await eventually { try await Self.segments(harness).count == 5 }
        #expect(scored)
        let due = try await harness.pool.query("SELECT due_at FROM \(identifier: harness.schema).segment_schedule")[0].decode(Date.self, at: 0)
        #expect(due > Self.nightlyClock.now && due <= Self.nightlyClock.now + 86_400, "the next night is scheduled")
    }
}
