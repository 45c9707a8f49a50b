import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// Satisfaction surveys: sent after delivery (on a clock the test moves), at most one per
/// customer in the cooldown and none to those who opted out; answered once by token; a low
/// score opens a complaint ticket; reported per month, platform or SKU.
@Suite(.timeLimit(.minutes(6))) struct SurveyTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    static let answersClock = ManualDeadlineClock(start)
    static let rulesClock = ManualDeadlineClock(start)
    static let earlyClock = ManualDeadlineClock(start)
    static let platformClock = ManualDeadlineClock(start)

    static func delivered(_ order: Int64, _ harness: ServiceHarness) async throws {
        try await CRMTest.publish(
            OrderEvent.StatusChanged(order: order, from: .shipped, to: .delivered, reason: "scan", actor: "carrier", total: CRMTest.cny(25_800)),
            harness)
    }

    static func survey(_ order: Int64, _ harness: ServiceHarness) async throws -> (status: String, token: String?, reason: String?)? {
        try await harness.pool.query("SELECT status, token, skip_reason FROM \(identifier: harness.schema).surveys WHERE order_id = \(order)").first
            .map { (try $0.decode(String.self, at: 0), try $0.decode(String?.self, at: 1), try $0.decode(String?.self, at: 2)) }
    }

    static func answer(_ harness: ServiceHarness, _ token: String, csat: Int, nps: Int? = nil, comment: String? = nil) async throws -> CommandOutcome
    {
        try await harness.client.send(CRMCommand.AnswerSurvey(token: token, csat: csat, nps: nps, comment: comment, source: "tests"))
    }

    @Test(.service("t_crm", TicketTests.definition(answersClock)))
    func aSurveyIsSentAfterDeliveryAnsweredOnceAndALowScoreOpensAComplaint() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(301, customer: .init(name: "Ola", email: "ola@example.com")), harness)
        try await CRMTest.placed(CRMTest.order(302, platform: "jd", customer: .init(name: "Pat", email: "pat@example.com")), harness)
        _ = try await CRMTest.waitForOrders([301, 302], harness)
        try await Self.delivered(301, harness)
        try await Self.delivered(302, harness)
        let scheduled = try await eventually { try await Self.survey(302, harness)?.status == "scheduled" }
        #expect(scheduled)
        let due = try await harness.pool.query("SELECT due_at FROM \(identifier: harness.schema).surveys WHERE order_id = 301")[0].decode(
            Date.self, at: 0)
        #expect(due == Self.start + 72 * 3_600, "sent 72 hours after delivery")
        Self.answersClock.advance(by: .seconds(73 * 3_600))
        let sent = try await eventually {
            let first = try await Self.survey(301, harness)?.status
            let second = try await Self.survey(302, harness)?.status
            return first == "invited" && second == "invited"
        }
        #expect(sent)
        let happy = try #require(try await Self.survey(301, harness)?.token)
        let unhappy = try #require(try await Self.survey(302, harness)?.token)
        #expect(happy.count == 32 && happy != unhappy, "a token of its own: 32 hex digits")

        #expect(try await Self.answer(harness, happy, csat: 0).code == "csat-out-of-range")
        #expect(try await Self.answer(harness, happy, csat: 5, nps: 11).code == "nps-out-of-range")
        #expect(try await Self.answer(harness, String(repeating: "0", count: 32), csat: 5).code == "unknown-token")
        #expect(try await Self.answer(harness, "not a token", csat: 5).code == "unknown-token")
        let fine = try await Self.answer(harness, happy, csat: 5, nps: 10, comment: "fast")
        #expect(try fine.decodeResult(CRMResult.SurveyAnswered.self).ticket == nil)
        #expect(try await Self.answer(harness, happy, csat: 4).code == "survey-answered", "answered once")
        let poor = try await Self.answer(harness, unhappy, csat: 2, nps: 3, comment: "box crushed")
        let ticket = try #require(try poor.decodeResult(CRMResult.SurveyAnswered.self).ticket)
        let detail = try #require(try await TicketQueries(schema: harness.schema).detail(ticket, harness.pool))
        #expect(detail.kind == "complaint" && detail.priority == "high" && detail.order == 302)
        #expect(detail.subject.contains("CSAT 2, NPS 3") && detail.subject.contains("box crushed"))
        let published = try await harness.outboxTypes()
        #expect(published.contains(CRMEvent.SurveyInvited.type.rawValue) && published.contains(CRMEvent.SurveyAnswered.type.rawValue))

        let report = try await SurveyQueries(schema: harness.schema).satisfaction(from: nil, to: nil, by: .platform, harness.pool)
        let rows = report.rows.map { $0.map { $0 ?? "-" } }
        #expect(rows == [["jd", "1", "1", "100.0", "2.00", "-100.0"], ["web", "1", "1", "100.0", "5.00", "100.0"]])
        let bySKU = try await SurveyQueries(schema: harness.schema).satisfaction(from: nil, to: nil, by: .sku, harness.pool)
        let skus = bySKU.rows.map { $0[0] }
        #expect(skus == ["TEE-RED-M"])
    }

    @Test(.service("t_crm", TicketTests.definition(platformClock)))
    func aSurveyAnsweredOnThePlatformCountsOnceAndARepeatIsQuarantinedAsAnswered() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(321, platform: "jd", customer: .init(name: "Tao", email: "tao@example.com")), harness)
        _ = try await CRMTest.waitForOrders([321], harness)
        try await Self.delivered(321, harness)
        let scheduled = try await eventually { try await Self.survey(321, harness)?.status == "scheduled" }
        #expect(scheduled)
        Self.platformClock.advance(by: .seconds(73 * 3_600))
        let invited = try await eventually { try await Self.survey(321, harness)?.status == "invited" }
        #expect(invited)
        let token = try #require(try await Self.survey(321, harness)?.token)
        let body = #"{"platform":"jd","token":"\#(token.uppercased())","csat":1,"nps":2,"comment":"late","answered_at":"2026-11-20T08:00:00Z"}"#
        try await CRMTest.ingest("platform.jd.survey.response", body, harness)
        let answered = try await eventually { try await Self.survey(321, harness)?.status == "answered" }
        #expect(answered, "the token is read in any case")
        let complaint = try await CRMTest.count("SELECT count(*)::int FROM crm.tickets WHERE kind = 'complaint' AND order_id = 321", harness)
        #expect(complaint == 1, "a low score opens a complaint")
        let source = try await harness.pool.query("SELECT source FROM \(identifier: harness.schema).surveys WHERE order_id = 321")[0]
            .decode(String?.self, at: 0)
        #expect(source == "platform jd")

        try await CRMTest.ingest("platform.jd.survey.response", body, harness)
        let repeated = try await eventually { try await CRMTest.quarantined(harness).count == 1 }
        #expect(repeated)
        #expect(try await CRMTest.quarantined(harness).first?.code == "survey-answered")
    }

    @Test(.service("t_crm", TicketTests.definition(rulesClock)))
    func noSurveyGoesToACustomerWhoHadOneLatelyOrOptedOutOfEmailAndSMS() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(311, customer: .init(name: "Quin", email: "quin@example.com")), harness)
        try await CRMTest.placed(CRMTest.order(312, customer: .init(name: "Quin", email: "quin@example.com")), harness)
        try await CRMTest.placed(CRMTest.order(313, customer: .init(name: "Rui", email: "rui@example.com")), harness)
        try await CRMTest.placed(CRMTest.order(314, customer: .init(name: "Sam", email: "sam@example.com")), harness)
        let customers = try await CRMTest.waitForOrders([311, 312, 313, 314], harness)
        for channel in [MarketingChannel.email, .sms] {
            #expect(try await PrivacyTests.consent(harness, customers[2], channel, false, at: Self.start - 60).status == .done)
        }
        // Sam opted out of email only: still asked.
        #expect(try await PrivacyTests.consent(harness, customers[3], .email, false, at: Self.start - 60).status == .done)
        for order in [Int64(311), 313, 314] { try await Self.delivered(order, harness) }
        let scheduled = try await eventually { try await Self.survey(314, harness) != nil }
        #expect(scheduled)
        Self.rulesClock.advance(by: .seconds(73 * 3_600))
        let decided = try await eventually {
            let quin = try await Self.survey(311, harness)?.status
            let rui = try await Self.survey(313, harness)?.status
            let sam = try await Self.survey(314, harness)?.status
            return quin == "invited" && rui == "skipped" && sam == "invited"
        }
        #expect(decided)
        #expect(try await Self.survey(313, harness)?.reason == "the customer opted out of email and sms")
        // Quin's second order, delivered ten days later, falls in the 30-day cooldown.
        Self.rulesClock.advance(by: .seconds(10 * 86_400))
        try await Self.delivered(312, harness)
        let queued = try await eventually { try await Self.survey(312, harness) != nil }
        #expect(queued)
        Self.rulesClock.advance(by: .seconds(73 * 3_600))
        let skipped = try await eventually { try await Self.survey(312, harness)?.status == "skipped" }
        #expect(skipped)
        let reason = try await Self.survey(312, harness)?.reason ?? ""
        #expect(reason.contains("within the cooldown of 30 days"), "\(reason)")
    }

    @Test(.service("t_crm", TicketTests.definition(earlyClock)))
    func anOrderDeliveredBeforeTheCRMHadItStillGetsItsSurvey() async throws {
        let harness = try ServiceHarness.required()
        try await Self.delivered(321, harness)
        let waiting = try await eventually {
            try await CRMTest.count("SELECT count(*)::int FROM crm.waiting_order_events WHERE order_id = 321", harness) == 1
        }
        #expect(waiting)
        try await CRMTest.placed(CRMTest.order(321, customer: .init(name: "Uma", email: "uma@example.com")), harness)
        _ = try await CRMTest.waitForOrders([321], harness)
        let scheduled = try await eventually { try await Self.survey(321, harness)?.status == "scheduled" }
        #expect(scheduled)
        Self.earlyClock.advance(by: .seconds(73 * 3_600))
        let sent = try await eventually { try await Self.survey(321, harness)?.status == "invited" }
        #expect(sent)
    }
}
