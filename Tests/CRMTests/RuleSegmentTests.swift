import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// Segments defined by a rule: checked when defined, computed at once and on every refresh,
/// each entry and exit announced, members listed for a marketing tool.
@Suite(.timeLimit(.minutes(6))) struct RuleSegmentTests {
    static func people(_ harness: ServiceHarness) async throws -> [String: Int64] {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let orders: [(Int64, String, Int64, String, [String])] = [
            (701, "big", 90_000, "web", ["TEA-OOLONG"]), (702, "big", 30_000, "web", ["TEA-GREEN"]), (703, "small", 10_000, "web", ["TEA-GREEN"]),
            (704, "tmall", 200_000, "tmall", ["TEA-OOLONG"]),
        ]
        for (order, who, total, platform, skus) in orders {
            var snapshot = CRMTest.order(
                order, platform: platform, total: CRMTest.cny(total), customer: .init(name: who, email: "\(who)-\(tag)@example.com"))
            snapshot.lines = skus.enumerated().map { index, sku in
                .init(line: index + 1, sku: sku, quantity: 1, unitPrice: CRMTest.cny(total), discount: .zero(.cny), total: CRMTest.cny(total))
            }
            try await CRMTest.placed(snapshot, harness)
        }
        let customers = try await CRMTest.waitForOrders([701, 703, 704], harness)
        return ["big": customers[0], "small": customers[1], "tmall": customers[2]]
    }

    static func rule(_ json: String, _ harness: ServiceHarness, name: String = "vip") async throws -> CommandOutcome {
        try await harness.client.send(CRMCommand.DefineSegment(name: name, rule: json, actor: "amy"))
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aRuleSegmentHoldsWhoMatchesAndAnnouncesWhoEntersAndLeaves() async throws {
        let harness = try ServiceHarness.required()
        let people = try await Self.people(harness)
        let vip = #"{"all": [{"field": "spend", "op": ">=", "value": 100000}, {"field": "platforms", "op": "has", "value": "web"}]}"#
        let defined = try await Self.rule(vip, harness)
        let result = try defined.decodeResult(CRMResult.SegmentDefined.self)
        #expect(result.members == 1 && result.entered == 1, "only big spent 1,200.00 on web (tmall spent more elsewhere)")
        let members = try #require(try await RuleSegmentStore(schema: harness.schema).members("vip", harness.pool))
        #expect(members.map(\.customer) == [people["big"] ?? 0])
        #expect(members.first?.email?.hasPrefix("big-") == true, "with what a marketing tool needs")
        let oolong = #"{"any": [{"field": "skus", "op": "has", "value": "TEA-OOLONG"}, {"not": {"field": "orders", "op": ">=", "value": 1}}]}"#
        let redefined = try await Self.rule(oolong, harness)
        let again = try redefined.decodeResult(CRMResult.SegmentDefined.self)
        #expect(again.members == 2 && again.entered == 1 && again.left == 0, "big stays, tmall enters: \(again)")
        let announced = try await harness.outboxTypes().filter { $0 == CRMEvent.SegmentChanged.type.rawValue }
        #expect(announced.count == 2, "big entered, then tmall: \(announced)")
        let forgot = try await harness.client.send(CRMCommand.ForgetCustomer(customer: people["tmall"] ?? 0, reason: "asked", actor: "amy"))
        #expect(forgot.status == .done)
        let left = try #require(try await RuleSegmentStore(schema: harness.schema).members("vip", harness.pool))
        #expect(left.map(\.customer) == [people["big"] ?? 0], "a forgotten customer leaves at once")
        let refreshed = try await harness.client.send(CRMCommand.RefreshSegments())
        #expect(try refreshed.decodeResult(CRMResult.SegmentsRefreshed.self).ruleMembers == ["vip": 1])
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aRuleCanNameTheCatalogCategoriesOfWhatWasBought() async throws {
        let harness = try ServiceHarness.required()
        let people = try await Self.people(harness)
        try await CRMTest.publish(
            CatalogEvent.SKUChanged(
                code: "TEA-OOLONG", product: "OOLONG", title: "Oolong", options: [:], barcode: nil, price: nil, taxCategory: "standard",
                active: true), harness)
        try await CRMTest.publish(
            CatalogEvent.ProductChanged(code: "OOLONG", title: "Oolong", category: "tea/oolong", taxCategory: "standard", tags: [], active: true),
            harness)
        let known = try await eventually {
            try await CRMTest.count("SELECT count(*)::int FROM crm.product_facts WHERE category = 'tea/oolong'", harness) == 1
        }
        #expect(known, "the catalog's product reached the CRM")
        let defined = try await Self.rule(#"{"field": "categories", "op": "has_any", "value": ["tea/oolong", "teaware"]}"#, harness, name: "oolong")
        #expect(defined.status == .done, "\(defined)")
        let members = try #require(try await RuleSegmentStore(schema: harness.schema).members("oolong", harness.pool))
        #expect(Set(members.map(\.customer)) == [people["big"] ?? 0, people["tmall"] ?? 0], "big and tmall bought oolong; small only green tea")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aBadRuleIsRefusedWithWhereItIsWrong() async throws {
        let harness = try ServiceHarness.required()
        let cases: [(String, String, String)] = [
            ("[]", "invalid-rule", "is an object"),
            (#"{"field": "colour", "op": "=", "value": "red"}"#, "invalid-rule", "unknown field"),
            (#"{"field": "spend", "op": "has", "value": 1}"#, "invalid-rule", "spend takes"),
            (#"{"field": "spend", "op": ">", "value": "lots"}"#, "invalid-rule", "a whole number"),
            (#"{"all": []}"#, "invalid-rule", "not empty"),
            (#"{"all": [{"field": "last_order_at", "op": "<", "value": "yesterday"}]}"#, "invalid-rule", "rule.all[0]"),
        ]
        for (json, code, words) in cases {
            let outcome = try await Self.rule(json, harness)
            #expect(outcome.code == code, "\(json)")
            #expect(outcome.reason?.contains(words) == true, "\(json): \(outcome.reason ?? "")")
        }
        #expect(try await Self.rule("{\"field\": \"r\", \"op\": \">=\", \"value\": 4}", harness, name: "at_risk").code == "invalid-name")
        #expect(try await Self.rule("{\"field\": \"r\", \"op\": \">=\", \"value\": 4}", harness, name: "Bad Name").code == "invalid-name")
    }
}
