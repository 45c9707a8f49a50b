import AMQP
import CRM
import Contracts
import Foundation
import Ingest
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Platforms' customers, buyers' messages and survey answers on the ingest exchange, through
/// the real broker and database: taken into profiles and timelines, or quarantined with
/// their reason and retried.
@Suite(.timeLimit(.minutes(6))) struct PlatformCustomerTests {
    static func account(
        _ platform: String, _ id: String, names: [String] = [], emails: [String] = [], phones: [String] = [], consent: String? = nil,
        tags: [String] = [], at: String = "2026-11-01T08:00:00Z"
    ) -> String {
        func list(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        return """
            {"platform":"\(platform)","shop":"main","external_id":"\(id)","names":\(list(names)),"emails":\(list(emails)),\
            "phones":\(list(phones)),"tags":\(list(tags)),\(consent.map { "\"marketing_consent\":\($0)," } ?? "")"language":"zh-CN",\
            "created_at":"2026-10-01T00:00:00Z","updated_at":"\(at)"}
            """
    }

    static func profileOf(_ key: ContactKey, _ harness: ServiceHarness) async throws -> Int64? {
        var found: Int64?
        _ = try await eventually {
            found = try await harness.pool.query(
                """
                SELECT k.customer FROM \(identifier: harness.schema).customer_keys k JOIN \(identifier: harness.schema).customers c ON c.id = k.customer
                WHERE k.kind = \(key.kind) AND k.value = \(key.value) AND c.merged_into IS NULL
                """
            ).first?.decode(Int64.self, at: 0)
            return found != nil
        }
        return found
    }

    static func waitForQuarantine(_ count: Int, _ harness: ServiceHarness) async throws -> [(id: Int64, code: String, reason: String, status: String)]
    {
        var entries: [(id: Int64, code: String, reason: String, status: String)] = []
        _ = try await eventually {
            entries = try await CRMTest.quarantined(harness)
            return entries.count >= count
        }
        return entries
    }

    @Test(.service("t_crm", CRMTest.definition))
    func theSamePersonOnTwoPlatformsIsOneProfileWithNamesTagsLanguageAndConsent() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.ingest(
            "platform.tmall.customer.created",
            Self.account("tmall", "T-1", names: ["李雷"], emails: [" Li.Lei@Example.com"], consent: #"{"email":true,"sms":false}"#, tags: ["vip"]),
            harness)
        let first = try #require(try await Self.profileOf(.platformCustomer(platform: "tmall", shop: "main", id: "T-1"), harness))
        try await CRMTest.ingest(
            "platform.jd.customer.updated",
            Self.account(
                "jd", "J-9", names: ["Li Lei", "雷"], emails: ["li.lei@EXAMPLE.COM"], phones: ["+86 138-0000-0000"], tags: ["wholesale"],
                at: "2026-11-02T08:00:00Z"),
            harness)
        let second = try #require(try await Self.profileOf(.platformCustomer(platform: "jd", shop: "main", id: "J-9"), harness))
        #expect(first == second, "the same email, cased differently: one person")
        let profile = try #require(try await CRMTest.profile(first, harness))
        #expect(profile.name == "Li Lei", "the latest account's first name is the primary one")
        #expect(Set(profile.names) == ["李雷", "Li Lei", "雷"])
        #expect(profile.tags == ["vip", "wholesale"])
        #expect(profile.language == "zh-CN")
        let keys = Set(profile.keys.map { "\($0.kind):\($0.value)" })
        #expect(keys.isSuperset(of: ["email:li.lei@example.com", "phone:+8613800000000"]))
        let consents = Dictionary(uniqueKeysWithValues: profile.consents.map { ($0.channel, $0.optedIn) })
        #expect(consents == ["email": true, "sms": false])

        // The same account again states nothing new: no second consent statement.
        try await CRMTest.ingest(
            "platform.tmall.customer.updated",
            Self.account("tmall", "T-1", names: ["李雷"], emails: ["li.lei@example.com"], consent: #"{"email":true,"sms":false}"#), harness)
        try await CRMTest.ingest(
            "platform.tmall.customer.updated",
            Self.account("tmall", "T-1", names: ["李雷"], emails: ["li.lei@example.com"], consent: #"{"email":false}"#, at: "2026-11-03T08:00:00Z"),
            harness)
        let optedOut = try await eventually {
            try await CRMTest.count("SELECT count(*)::int FROM crm.consent_changes WHERE channel = 'email'", harness) == 2
        }
        #expect(optedOut, "opted in once, then out")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aCustomerMessageLinkingTwoProfilesMergesThemAndSaysWhy() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(801, platform: "web", customer: .init(name: "Kim", email: "kim@example.com")), harness)
        try await CRMTest.placed(CRMTest.order(802, platform: "jd", customer: .init(name: "Kim", phone: "13700000000")), harness)
        let customers = try await CRMTest.waitForOrders([801, 802], harness)
        #expect(customers[0] != customers[1])
        try await CRMTest.ingest(
            "platform.web.customer.updated", Self.account("web", "W-5", names: ["Kim"], emails: ["kim@example.com"], phones: ["137 0000 0000"]),
            harness)
        let merged = try await eventually {
            let now = try await CRMTest.waitForOrders([801, 802], harness)
            return now[0] == now[1]
        }
        #expect(merged, "both orders on one profile")
        let reasons = try await harness.pool.query("SELECT reason FROM \(identifier: harness.schema).merges").map {
            try $0.decode(String.self, at: 0)
        }
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains("+8613700000000") == true || reasons.first?.contains("kim@example.com") == true, "\(reasons)")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aBuyersMessageGoesOnTheTimelineOnceAndOneForAnUnknownCustomerWaitsInTheQuarantineForARetry() async throws {
        let harness = try ServiceHarness.required()
        let message = #"""
            {"platform":"web","shop":"main","message_id":"MSG-1","customer_external_id":"W-77","order_external_id":"EXT-811",
             "sent_at":"2026-11-20T08:00:00Z","text":"Has it shipped?"}
            """#
        try await CRMTest.ingest("platform.web.customer.message", message, harness)
        let parked = try await Self.waitForQuarantine(1, harness)
        #expect(parked.first?.code == "unknown-customer", "\(parked)")

        try await CRMTest.placed(CRMTest.order(811, platform: "web", customer: .init(externalId: "W-77", name: "Lu")), harness)
        let customer = try #require(try await CRMTest.waitForOrders([811], harness).first)
        let retried = try await harness.client.send(CRMCommand.RetryQuarantined(quarantine: parked[0].id))
        #expect(retried.status == .done, "\(retried)")
        #expect(try retried.decodeResult(CRMResult.Retried.self).customer == customer)
        let again = try await harness.client.send(CRMCommand.RetryQuarantined(quarantine: parked[0].id))
        #expect(again.code == "already-retried")
        try await CRMTest.ingest("platform.web.customer.message", message, harness)  // the platform sends it again

        let onTimeline = try await eventually {
            try await CRMTest.count("SELECT count(*)::int FROM crm.timeline WHERE kind = 'contact' AND channel = 'platform'", harness) == 1
        }
        #expect(onTimeline)
        let profile = try #require(try await CRMTest.profile(customer, harness))
        let contacts = profile.timeline.filter { $0.kind == "contact" }
        let entry = try #require(contacts.first)
        #expect(entry.summary == "Has it shipped?")
        #expect(entry.order == 811)
        #expect(try await CRMTest.quarantined(harness).map(\.status) == ["retried"], "the repeat was taken, not quarantined")

        // About an order that is not theirs: quarantined.
        try await CRMTest.ingest(
            "platform.web.customer.message",
            message.replacingOccurrences(of: "MSG-1", with: "MSG-2").replacingOccurrences(of: "EXT-811", with: "EXT-999"), harness)
        let unknownOrder = try await Self.waitForQuarantine(2, harness)
        #expect(unknownOrder.last?.code == "unknown-order", "\(unknownOrder)")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func everyKindOfBadPlatformMessageIsQuarantinedWithItsReasonAndAnnounced() async throws {
        let harness = try ServiceHarness.required()
        let good = Self.account("web", "W-1", emails: ["a@example.com"])
        let signed = good.replacingOccurrences(of: #""platform":"web""#, with: #""platform":"signed""#)
        let cases: [(key: String, body: String, headers: AMQPTable, code: String)] = [
            ("platform.web.customer.deleted", good, [:], "bad-routing-key"),
            (
                "platform.nowhere.customer.created", good.replacingOccurrences(of: #""platform":"web""#, with: #""platform":"nowhere""#), [:],
                "unknown-platform"
            ),
            ("platform.signed.customer.created", signed, [:], "unsigned"),
            ("platform.signed.customer.created", signed, [IngestMessage.signatureHeader: "bm9wZQ=="], "bad-signature"),
            ("platform.web.customer.created", "{\"platform\":\"web\",", [:], "undecodable"),
            ("platform.web.customer.created", good.replacingOccurrences(of: "a@example.com", with: "a@\\u0000example.com"), [:], "invalid"),
            ("platform.web.customer.created", good.replacingOccurrences(of: "2026-11-01T08:00:00Z", with: "2999-01-01T00:00:00Z"), [:], "invalid"),
            ("platform.web.survey.response", #"{"platform":"web","token":"0123456789abcdef0123456789abcdef","csat":5}"#, [:], "unknown-token"),
            ("platform.web.survey.response", #"{"platform":"web","token":"0123456789abcdef0123456789abcdef","csat":9}"#, [:], "invalid"),
        ]
        for entry in cases { try await CRMTest.ingest(entry.key, entry.body, harness, headers: entry.headers) }
        let quarantined = try await Self.waitForQuarantine(cases.count, harness)
        let described = quarantined.map { "\($0.code): \($0.reason)" }
        #expect(quarantined.map(\.code) == cases.map(\.code), "\(described)")
        let unexplained = quarantined.filter { $0.reason.isEmpty || $0.status != "open" }
        #expect(unexplained.isEmpty)
        #expect(try await CRMTest.count("SELECT count(*)::int FROM crm.customers", harness) == 0, "nothing was taken")
        let announced = try await harness.outboxTypes().filter { $0 == CRMEvent.IngestRejected.type.rawValue }
        #expect(announced.count == cases.count, "each announced with crm.ingest.rejected.v1")
        let bytes = try await harness.pool.query(
            "SELECT body FROM \(identifier: harness.schema).quarantine WHERE id = \(quarantined[4].id)")[0].decode(Data.self, at: 0)
        #expect(bytes == Data("{\"platform\":\"web\",".utf8), "kept byte for byte")
    }
}
