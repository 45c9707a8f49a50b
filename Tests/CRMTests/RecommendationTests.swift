import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// Recommendations kept from orders, views and returns one event at a time: what goes with
/// what a customer bought comes first; what they bought, inactive SKUs and SKUs out of stock
/// never come; a return counts against its pair; new customers get best sellers.
@Suite(.timeLimit(.minutes(6))) struct RecommendationTests {
    /// Places an order of `skus` (one unit each) for the customer with `email`.
    static func bought(_ order: Int64, _ email: String, _ skus: [String], _ harness: ServiceHarness) async throws {
        var snapshot = CRMTest.order(order, customer: .init(name: email, email: email))
        snapshot.lines = skus.enumerated().map { index, sku in
            .init(line: index + 1, sku: sku, quantity: 1, unitPrice: CRMTest.cny(1_000), discount: .zero(.cny), total: CRMTest.cny(1_000))
        }
        try await CRMTest.placed(snapshot, harness)
    }

    /// Orders 801-804 of four customers: tea goes with cups twice, with a pot once.
    static func shop(_ harness: ServiceHarness) async throws -> [String: Int64] {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let orders: [(Int64, String, [String])] = [
            (801, "ann", ["TEA", "CUP"]), (802, "bob", ["TEA", "CUP", "POT"]), (803, "cat", ["TEA"]), (804, "dan", ["KETTLE"]),
        ]
        for (order, who, skus) in orders { try await bought(order, "\(who)-\(tag)@example.com", skus, harness) }
        let customers = try await CRMTest.waitForOrders(orders.map(\.0), harness)
        return ["ann": customers[0], "bob": customers[1], "cat": customers[2], "dan": customers[3]]
    }

    static func recommended(_ customer: Int64, _ harness: ServiceHarness, limit: Int = 5) async throws -> [RecommendationStore.Recommendation] {
        try await RecommendationStore(schema: harness.schema).forCustomer(customer, limit: limit, harness.pool)
    }

    static func skus(_ found: [RecommendationStore.Recommendation], basis: String? = nil) -> [String] {
        found.filter { basis == nil || $0.basis == basis }.map(\.sku)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func whatWasBoughtTogetherWithACustomersItemsComesFirstAndNothingTheyBoughtComes() async throws {
        let harness = try ServiceHarness.required()
        let people = try await Self.shop(harness)
        let cat = try await Self.recommended(people["cat"] ?? 0, harness)
        #expect(Self.skus(cat, basis: "pairs") == ["CUP", "POT"], "cups went with tea twice, the pot once: \(cat)")
        #expect(cat.first?.reason == "goes with TEA")
        #expect(!Self.skus(cat).contains("TEA"), "cat bought tea")
        #expect(Self.skus(cat).contains("KETTLE"), "the best sellers fill up: \(cat)")
        let ann = try await Self.recommended(people["ann"] ?? 0, harness)
        #expect(Self.skus(ann, basis: "pairs") == ["POT"], "ann bought tea and cups: \(ann)")
        let similar = try await RecommendationStore(schema: harness.schema).similar(to: "TEA", limit: 5, harness.pool)
        #expect(Self.skus(similar, basis: "pairs") == ["CUP", "POT"])
        // A customer merged into another is recommended for as the survivor.
        let merged = try await harness.client.send(
            CRMCommand.MergeCustomers(customer: people["ann"] ?? 0, into: people["cat"] ?? 0, reason: "same person", actor: "amy"))
        #expect(merged.status == .done, "\(merged)")
        let survivor = try await Self.recommended(people["ann"] ?? 0, harness)
        #expect(Self.skus(survivor, basis: "pairs") == ["POT"], "ann's cups are the survivor's now: \(survivor)")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func inactiveSKUsInactiveProductsAndSKUsOutOfStockAreNeverRecommended() async throws {
        let harness = try ServiceHarness.required()
        let people = try await Self.shop(harness)
        let cat = people["cat"] ?? 0
        try await CRMTest.publish(
            CatalogEvent.SKUChanged(
                code: "CUP", product: "CUPS", title: "Cup", options: [:], barcode: nil, price: nil, taxCategory: "standard", active: false), harness)
        try await CRMTest.publish(InventoryEvent.AvailabilityChanged(sku: "KETTLE", available: 0), harness)
        let without = try await eventually {
            let found = Self.skus(try await Self.recommended(cat, harness))
            return !found.contains("CUP") && !found.contains("KETTLE")
        }
        #expect(without, "an inactive SKU and one out of stock are left out")
        #expect(Self.skus(try await Self.recommended(cat, harness), basis: "pairs") == ["POT"])
        try await CRMTest.publish(
            CatalogEvent.SKUChanged(
                code: "POT", product: "POTS", title: "Pot", options: [:], barcode: nil, price: nil, taxCategory: "standard", active: true), harness)
        try await CRMTest.publish(CatalogEvent.ProductDeactivated(code: "POTS"), harness)
        let noPot = try await eventually { !Self.skus(try await Self.recommended(cat, harness)).contains("POT") }
        #expect(noPot, "a SKU of a deactivated product is left out")
        try await CRMTest.publish(InventoryEvent.AvailabilityChanged(sku: "KETTLE", available: 4), harness)
        let back = try await eventually { Self.skus(try await Self.recommended(cat, harness)).contains("KETTLE") }
        #expect(back, "back in stock: offered again")
        // An announcement older than the one kept changes nothing.
        try await CRMTest.publish(
            CatalogEvent.SKUChanged(
                code: "CUP", product: "CUPS", title: "Cup", options: [:], barcode: nil, price: nil, taxCategory: "standard", active: true), harness,
            at: Date().addingTimeInterval(-3_600))
        try await CRMTest.publish(InventoryEvent.AvailabilityChanged(sku: "KETTLE", available: 0), harness)
        let kettleGone = try await eventually { !Self.skus(try await Self.recommended(cat, harness)).contains("KETTLE") }
        #expect(kettleGone)
        #expect(!Self.skus(try await Self.recommended(cat, harness)).contains("CUP"), "the stale announcement did not make cups active")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aReturnedItemCountsAgainstItsPairWithTheRestOfItsOrder() async throws {
        let harness = try ServiceHarness.required()
        _ = try await Self.shop(harness)
        let returned = InventoryEvent.Returned(
            reference: "RMA-1", sku: "POT", warehouse: "SH", lot: "L1", quantity: 1, condition: .sellable, order: "802")
        try await CRMTest.publish(returned, harness)
        let counted = try await eventually {
            try await CRMTest.count("SELECT count(*)::int FROM crm.item_pairs WHERE returned > 0", harness) == 4
        }
        #expect(counted, "the pot against tea and cups, both ways")
        let similar = try await RecommendationStore(schema: harness.schema).similar(to: "TEA", limit: 5, harness.pool)
        #expect(Self.skus(similar, basis: "pairs") == ["CUP"], "bought with tea once and sent back: no longer goes with it (\(similar))")
        #expect(
            try await CRMTest.count("SELECT returned FROM crm.customer_items WHERE sku = 'POT'", harness) == 1, "on the customer's items")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aNewCustomerGetsTheBestSellersOfTheCategoriesTheyViewedThenOfAll() async throws {
        let harness = try ServiceHarness.required()
        let people = try await Self.shop(harness)
        for (sku, product, category) in [
            ("TEA", "TEAS", "tea"), ("CUP", "CUPS", "tableware"), ("POT", "POTS", "tableware"), ("KETTLE", "KETTLES", "kitchen"),
            ("SPOON", "SPOONS", "tableware"),
        ] {
            try await CRMTest.publish(
                CatalogEvent.SKUChanged(
                    code: sku, product: product, title: sku, options: [:], barcode: nil, price: nil, taxCategory: "standard", active: true), harness)
            try await CRMTest.publish(
                CatalogEvent.ProductChanged(code: product, title: product, category: category, taxCategory: "standard", tags: [], active: true),
                harness)
        }
        let known = try await eventually {
            try await CRMTest.count("SELECT count(*)::int FROM crm.product_facts WHERE category IS NOT NULL", harness) == 5
        }
        #expect(known)
        // Eve is known from her account but has bought nothing; she looks at a spoon, which nobody bought yet.
        try await CRMTest.ingest(
            "platform.web.customer.created", #"{"platform": "web", "shop": "main", "external_id": "EVE-1", "created_at": "2026-01-01T00:00:00Z"}"#,
            harness)
        try await CRMTest.ingest(
            "platform.web.customer.viewed",
            #"{"platform": "web", "shop": "main", "customer_external_id": "EVE-1", "sku": "SPOON", "viewed_at": "2026-01-02T00:00:00Z"}"#, harness)
        var viewer: Int64?
        let viewed = try await eventually {
            viewer = try await harness.pool.query(
                "SELECT customer FROM \(identifier: harness.schema).customer_items WHERE sku = 'SPOON' AND views = 1"
            ).first?.decode(Int64.self, at: 0)
            return viewer != nil
        }
        #expect(viewed, "eve's view counted")
        let eve = try #require(viewer)
        let found = try await Self.recommended(eve, harness)
        #expect(Self.skus(found) == ["CUP", "POT", "TEA", "KETTLE"], "tableware's best sellers, then all's: \(found)")
        #expect(found.map(\.basis) == ["category", "category", "popular", "popular"])
        #expect(found.first?.reason == "a best seller in tableware")
        #expect(Set(Self.skus(found)).count == found.count, "no SKU twice: \(found)")
        let dan = try await Self.recommended(people["dan"] ?? 0, harness)
        #expect(dan.first?.basis == "popular", "nothing else is in the kitchen: the best sellers of all (\(dan))")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aViewPairsTheSKUWeaklyWithWhatTheCustomerBought() async throws {
        let harness = try ServiceHarness.required()
        let people = try await Self.shop(harness)
        let dan = people["dan"] ?? 0
        // Dan (who bought a kettle) is known on web by his platform id once his account comes.
        let keys = try await CRMTest.profile(dan, harness)?.keys ?? []
        let emailKey = keys.first(where: { $0.kind == "email" })
        let email = try #require(emailKey?.value)
        try await CRMTest.ingest(
            "platform.web.customer.created",
            #"{"platform": "web", "shop": "main", "external_id": "DAN-1", "emails": ["\#(email)"], "created_at": "2026-01-01T00:00:00Z"}"#, harness)
        let view = #"{"platform": "web", "shop": "main", "customer_external_id": "DAN-1", "sku": "TEA", "viewed_at": "2026-01-02T00:00:00Z"}"#
        try await CRMTest.ingest("platform.web.customer.viewed", view, harness)
        try await CRMTest.ingest("platform.web.customer.viewed", view, harness)
        let paired = try await eventually {
            try await CRMTest.count("SELECT coalesce(sum(views), 0)::int FROM crm.customer_items WHERE sku = 'TEA' AND views > 0", harness) == 2
        }
        #expect(paired, "both views counted on dan's items")
        #expect(
            try await CRMTest.count("SELECT count(*)::int FROM crm.item_pairs WHERE viewed = 1 AND together = 0", harness) == 2,
            "the first view paired tea with the kettle, both ways; the second added nothing")
        let similar = try await RecommendationStore(schema: harness.schema).similar(to: "TEA", limit: 5, harness.pool)
        #expect(Self.skus(similar, basis: "pairs") == ["CUP", "POT", "KETTLE"], "a view counts less than a purchase: \(similar)")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aBadOrUnknownViewIsQuarantinedWithItsReason() async throws {
        let harness = try ServiceHarness.required()
        let cases: [(String, String, String)] = [
            (
                #"{"platform": "web", "shop": "main", "customer_external_id": "NOBODY", "sku": "TEA", "viewed_at": "2026-01-02T00:00:00Z"}"#,
                "unknown-customer", "NOBODY"
            ),
            (
                #"{"platform": "web", "shop": "main", "customer_external_id": "X", "sku": "TEA\u0007", "viewed_at": "2026-01-02T00:00:00Z"}"#,
                "invalid", "not a SKU code"
            ),
            (#"{"platform": "web", "shop": "main", "customer_external_id": "X", "sku": "TEA"}"#, "undecodable", "viewed_at is missing"),
            (
                #"{"platform": "web", "shop": "main", "customer_external_id": "X", "sku": "TEA", "viewed_at": "2999-01-01T00:00:00Z"}"#,
                "invalid", "future"
            ),
            (#"{"platform": "web", "shop": "main", "customer_external_id": "X", "sku": "TEA", "viewed_at": "yesterday"}"#, "invalid", "viewed_at"),
        ]
        for (body, _, _) in cases { try await CRMTest.ingest("platform.web.customer.viewed", body, harness) }
        var kept: [(id: Int64, code: String, reason: String, status: String)] = []
        let all = try await eventually {
            kept = try await CRMTest.quarantined(harness)
            return kept.count == cases.count
        }
        #expect(all, "every one kept: \(kept)")
        for (index, (body, code, words)) in cases.enumerated() where index < kept.count {
            #expect(kept[index].code == code, "\(body): \(kept[index]) of \(kept)")
            #expect(kept[index].reason.contains(words), "\(body): \(kept[index].reason)")
        }
        #expect(try await CRMTest.count("SELECT count(*)::int FROM crm.customer_items", harness) == 0)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aForgottenCustomersItemsGoAndTheyAreRecommendedNothing() async throws {
        let harness = try ServiceHarness.required()
        let people = try await Self.shop(harness)
        let bob = people["bob"] ?? 0
        let forgot = try await harness.client.send(CRMCommand.ForgetCustomer(customer: bob, reason: "asked", actor: "amy"))
        #expect(forgot.status == .done, "\(forgot)")
        #expect(try await CRMTest.count("SELECT count(*)::int FROM crm.customer_items WHERE customer = \(bob)", harness) == 0)
        await #expect(throws: RecommendationStore.Refusal.forgotten(bob)) {
            _ = try await Self.recommended(bob, harness)
        }
        await #expect(throws: RecommendationStore.Refusal.unknownCustomer(999_999)) {
            _ = try await Self.recommended(999_999, harness)
        }
    }
}
