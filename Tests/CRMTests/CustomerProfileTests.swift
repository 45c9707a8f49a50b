import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// One person across platforms and shops: profiles found by normalised email, E.164 phone
/// or platform customer id, merged when a message links two, with purchase history.
@Suite(.timeLimit(.minutes(6))) struct CustomerProfileTests {
    @Test(.service("t_crm", CRMTest.definition))
    func theSamePersonWithADifferentlyCasedEmailOnTwoPlatformsIsOneProfile() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(
            CRMTest.order(1, platform: "tmall", shop: "flagship", customer: .init(externalId: "T-1", name: "李雷", email: " Li.Lei@Example.com")),
            harness)
        try await CRMTest.placed(
            CRMTest.order(2, platform: "shopify", shop: "eu", customer: .init(externalId: "S-7", name: "Li Lei", email: "li.lei@EXAMPLE.COM")),
            harness)
        let customers = try await CRMTest.waitForOrders([1, 2], harness)
        #expect(Set(customers).count == 1, "one profile for both orders")
        let profile = try #require(try await CRMTest.profile(customers[0], harness))
        let keys = profile.keys.map { "\($0.kind):\($0.value)" }
        #expect(keys.contains("email:li.lei@example.com"))
        #expect(keys.contains("platform:tmall/flagship/T-1"))
        #expect(keys.contains("platform:shopify/eu/S-7"))
        #expect(Set(profile.names) == ["李雷", "Li Lei"], "names kept as seen")
        #expect(profile.spend.first?.orders == 2)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func goodsSentFreeAreOnTheTimelineButNotAPurchase() async throws {
        let harness = try ServiceHarness.required()
        let buyer = CanonicalOrder.Customer(name: "Vic", email: "vic@example.com")
        try await CRMTest.placed(CRMTest.order(31, total: CRMTest.cny(19_700), customer: buyer), harness)
        try await CRMTest.placed(CRMTest.order(32, total: CRMTest.cny(0), status: .paid, customer: buyer), harness)
        try await CRMTest.publish(OrderEvent.ReplacementPlaced(order: 32, replaces: 31, kind: .resend, reference: "RESEND-31-T1"), harness)
        let customer = try #require(try await CRMTest.waitForOrders([31, 32], harness).first)
        let marked = try await eventually {
            try await CRMTest.count("SELECT count(*)::int FROM crm.customer_orders WHERE free_replacement_of = 31", harness) == 1
        }
        #expect(marked)
        let profile = try #require(try await CRMTest.profile(customer, harness))
        #expect(profile.spend.first?.orders == 1, "one purchase: the re-send is not one")
        #expect(profile.spend.first?.averageOrderMinor == 19_700)
        let placed = profile.timeline.filter { $0.kind == "order_placed" }
        #expect(placed.count == 2, "both are on the timeline")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aPhoneWrittenThreeWaysIsOneNumber() async throws {
        let harness = try ServiceHarness.required()
        for (id, phone) in [(Int64(11), "138 0000 0000"), (12, "+86 138-0000-0000"), (13, "8613800000000")] {
            try await CRMTest.placed(CRMTest.order(id, customer: .init(name: "韩梅梅", phone: phone)), harness)
        }
        let customers = try await CRMTest.waitForOrders([11, 12, 13], harness)
        #expect(Set(customers).count == 1)
        let phones = try await CRMTest.count("SELECT count(*)::int FROM crm.customer_keys WHERE kind = 'phone' AND value = '+8613800000000'", harness)
        #expect(phones == 1)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aMessageLinkingTwoProfilesMergesThemAndEveryReferenceFollows() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(21, customer: .init(name: "Ann", email: "ann@example.com")), harness)
        let first = try #require(try await CRMTest.waitForOrders([21], harness).first)
        try await CRMTest.placed(CRMTest.order(22, platform: "jd", shop: "self", customer: .init(name: "Ann Lee", phone: "13900000000")), harness)
        let second = try #require(try await CRMTest.waitForOrders([22], harness).first)
        #expect(first != second, "nothing links them yet")
        try await CRMTest.log(customer: second, "asked about sizes", harness)
        let consent = try await PrivacyTests.consent(harness, second, .sms, true)
        #expect(consent.status == .done)
        let ticket = try await harness.client.send(CRMCommand.OpenTicket(customer: second, kind: .enquiry, subject: "sizes", actor: "tests"))
        #expect(ticket.status == .done)
        // A third order gives both the email and the phone: the two are one person.
        try await CRMTest.placed(CRMTest.order(23, customer: .init(name: "Ann Lee", email: "ANN@example.com", phone: "+86 139 0000 0000")), harness)
        let third = try #require(try await CRMTest.waitForOrders([23], harness).first)
        #expect(third == first, "the oldest profile survives")
        let moved = try await eventually { try await CRMTest.customer(ofOrder: 22, harness) == first }
        #expect(moved, "the absorbed profile's order follows")
        let absorbed = try await harness.pool.query(
            "SELECT merged_into, merge_reason FROM \(identifier: harness.schema).customers WHERE id = \(second)")[0]
        #expect(try absorbed.decode(Int64?.self, column: "merged_into") == first)
        #expect(try absorbed.decode(String.self, column: "merge_reason") == "the same phone +8613900000000 as the surviving profile")
        let leftOnAbsorbed = try await CRMTest.count(
            """
            SELECT (SELECT count(*) FROM crm.customer_keys WHERE customer = \(second)) + (SELECT count(*) FROM crm.timeline WHERE customer = \(second))
                 + (SELECT count(*) FROM crm.customer_orders WHERE customer = \(second)) + (SELECT count(*) FROM crm.customer_names WHERE customer = \(second))
                 + (SELECT count(*) FROM crm.customer_addresses WHERE customer = \(second)) + (SELECT count(*) FROM crm.consent_changes WHERE customer = \(second))
                 + (SELECT count(*) FROM crm.tickets WHERE customer = \(second))
            """, harness)
        #expect(leftOnAbsorbed == 0, "keys, timeline, orders, names, addresses, consent and tickets all moved")
        let followed = try await CRMTest.count(
            "SELECT (SELECT count(*) FROM crm.tickets WHERE customer = \(first)) + (SELECT count(*) FROM crm.consent_changes WHERE customer = \(first))",
            harness)
        #expect(followed == 2, "the ticket and the consent are the survivor's now")
        let profile = try #require(try await CRMTest.profile(second, harness))
        #expect(profile.customer == first, "the absorbed id shows the survivor")
        #expect(profile.askedFor == second)
        #expect(profile.mergedFrom == [second])
        let kinds = profile.timeline.map(\.kind)
        let placings = kinds.filter { $0 == "order_placed" }.count
        #expect(placings == 3)
        #expect(kinds.contains("contact"), "the absorbed profile's history is kept")
        #expect(kinds.contains("merged"))
        let published = try await harness.outboxTypes()
        #expect(published.contains(CRMEvent.CustomerMerged.type.rawValue))
        let merges = try await CRMTest.count("SELECT count(*)::int FROM crm.merges WHERE absorbed = \(second) AND survivor = \(first)", harness)
        #expect(merges == 1)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func purchaseHistoryIsKeptPerCurrencyWithoutCancelledOrders() async throws {
        let harness = try ServiceHarness.required()
        let person = CanonicalOrder.Customer(name: "Bo", email: "bo@example.com")
        let day: TimeInterval = 86_400
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        try await CRMTest.placed(CRMTest.order(31, total: CRMTest.cny(10_000), customer: person, placedAt: start), harness)
        try await CRMTest.placed(CRMTest.order(32, total: CRMTest.cny(30_000), customer: person, placedAt: start + day), harness)
        try await CRMTest.placed(CRMTest.order(33, total: CRMTest.cny(99_900), customer: person, placedAt: start + 2 * day), harness)
        try await CRMTest.placed(
            CRMTest.order(34, total: Money(minorUnits: 4_500, currency: try Currency(code: "USD")), customer: person, placedAt: start + 3 * day),
            harness)
        let customer = try #require(Set(try await CRMTest.waitForOrders([31, 32, 33, 34], harness)).first)
        try await CRMTest.publish(
            OrderEvent.StatusChanged(
                order: 33, from: .pendingPayment, to: .cancelled, reason: "buyer changed mind", actor: "platform", total: CRMTest.cny(99_900)),
            harness)
        try await CRMTest.publish(
            FinanceEvent.RefundRecorded(order: 32, amount: CRMTest.cny(5_000), reason: "damaged", reference: "R-1", creditNote: "CN-1", lines: nil),
            harness)
        try await CRMTest.publish(
            OrderEvent.ReturnCompleted(rma: "RMA-1", order: 32, kind: .return, refund: CRMTest.cny(5_000), status: .partiallyReturned), harness)
        let settled = try await eventually {
            let spend = try await CRMTest.profile(customer, harness)?.spend ?? []
            let cny = spend.first { $0.currency == "CNY" }
            return cny?.orders == 2 && cny?.refundedMinor == 5_000 && cny?.returnRate == 0.5
        }
        #expect(settled, "the cancellation, the refund and the return are all applied")
        let spend = try #require(try await CRMTest.profile(customer, harness)?.spend)
        let found = spend.first { $0.currency == "CNY" }
        let cny = try #require(found)
        #expect(cny.spentMinor == 40_000, "the cancelled order does not count")
        #expect(cny.averageOrderMinor == 20_000)
        #expect(cny.returnRate == 0.5)
        #expect(cny.firstOrderAt == start)
        #expect(cny.lastOrderAt == start + day)
        let dollars = spend.first { $0.currency == "USD" }
        let usd = try #require(dollars)
        #expect(usd.spentMinor == 4_500 && usd.orders == 1, "never added to the yuan")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func anOrderWithoutUsableKeysGetsAProfileOfItsOwn() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(41, customer: .init(name: "Guest", email: "not an address", phone: "12345")), harness)
        try await CRMTest.placed(CRMTest.order(42, customer: nil), harness)
        try await CRMTest.placed(CRMTest.order(43, customer: .init(name: "Guest", email: "not an address", phone: "12345")), harness)
        let customers = try await CRMTest.waitForOrders([41, 42, 43], harness)
        #expect(Set(customers).count == 3, "invalid keys identify nobody: each order is on a profile of its own")
        let keys = try await CRMTest.count("SELECT count(*)::int FROM crm.customer_keys", harness)
        #expect(keys == 0)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func splitChildrenAndAMergedOrderTakeTheirSourcesPlaceOnTheProfile() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(81, total: CRMTest.cny(30_000), customer: .init(name: "Hu", email: "hu@example.com")), harness)
        let customer = try #require(try await CRMTest.waitForOrders([81], harness).first)
        // The children carry no customer of their own here: they follow their parent.
        let children = [CRMTest.order(82, total: CRMTest.cny(10_000), customer: nil), CRMTest.order(83, total: CRMTest.cny(20_000), customer: nil)]
        try await CRMTest.publish(OrderEvent.SplitInto(parent: 81, children: children), harness)
        try await CRMTest.publish(
            OrderEvent.StatusChanged(order: 81, from: .pendingPayment, to: .split, reason: "by warehouse", actor: "saga", total: CRMTest.cny(30_000)),
            harness)
        let split = try await CRMTest.waitForOrders([82, 83], harness)
        #expect(split == [customer, customer])
        let counted = try await eventually {
            let cny = try await CRMTest.profile(customer, harness)?.spend.first
            return cny?.orders == 2 && cny?.spentMinor == 30_000
        }
        #expect(counted, "the children count, the split parent does not")
        try await CRMTest.publish(
            OrderEvent.MergedInto(merged: CRMTest.order(84, total: CRMTest.cny(30_000), customer: nil), sources: [82, 83]), harness)
        let merged = try await CRMTest.waitForOrders([84], harness)
        #expect(merged == [customer])
        let placings = try await CRMTest.count(
            "SELECT count(*)::int FROM crm.timeline WHERE kind = 'order_placed' AND customer = \(customer)", harness)
        #expect(placings == 4, "each order once on the timeline, the two children of one event too")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func anOrderAnnouncedAgainIsTakenLikeAPlacingAndOnlyOnce() async throws {
        let harness = try ServiceHarness.required()
        // No usable key: taking it again would make a new, empty profile each time.
        let order = CRMTest.order(131, status: .delivered, customer: .init(name: "Tao", email: "not an address"))
        try await CRMTest.publish(OrderEvent.Republished(snapshot: order), harness)
        try await CRMTest.publish(OrderEvent.Republished(snapshot: order), harness)
        try await CRMTest.placed(order, harness)
        let customer = try #require(try await CRMTest.waitForOrders([131], harness).first)
        let settled = try await eventually { try await CRMTest.count("SELECT count(*)::int FROM crm.inbox", harness) == 3 }
        #expect(settled, "all three handled")
        let placings = try await CRMTest.count("SELECT count(*)::int FROM crm.timeline WHERE kind = 'order_placed' AND order_id = 131", harness)
        #expect(placings == 1)
        let profiles = try await CRMTest.count("SELECT count(*)::int FROM crm.customers", harness)
        #expect(profiles == 1, "the order's one profile, no empty ones")
        let status = try await harness.pool.query("SELECT status FROM \(identifier: harness.schema).customer_orders WHERE customer = \(customer)")[0]
        #expect(try status.decode(String.self, at: 0) == "delivered", "as the order stands now")
    }

    /// A CRM that missed status changes (before 0.2, it bound their routing key wrongly) has its
    /// copies repaired by `erpctl orders republish`: a known order takes the status announced.
    @Test(.service("t_crm", CRMTest.definition))
    func aKnownOrderAnnouncedAgainTakesItsStatusUnlessALaterChangeIsOnRecord() async throws {
        let harness = try ServiceHarness.required()
        let placed = Date().addingTimeInterval(-3_600)
        try await CRMTest.placed(CRMTest.order(141, customer: .init(name: "Lu", email: "lu@example.com"), placedAt: placed), harness)
        _ = try await CRMTest.waitForOrders([141], harness)
        func status() async throws -> String {
            try await harness.pool.query("SELECT status FROM \(identifier: harness.schema).customer_orders WHERE order_id = 141")[0].decode(
                String.self, at: 0)
        }
        try await CRMTest.publish(OrderEvent.Republished(snapshot: CRMTest.order(141, status: .completed, customer: nil, placedAt: placed)), harness)
        let repaired = try await eventually { try await status() == "completed" }
        #expect(repaired, "the copy takes the status the order stands at")
        // An announcement older than the change on record changes nothing.
        try await CRMTest.publish(
            OrderEvent.Republished(snapshot: CRMTest.order(141, status: .paid, customer: nil, placedAt: placed)), harness,
            at: Date().addingTimeInterval(-60))
        let settled = try await eventually { try await CRMTest.count("SELECT count(*)::int FROM crm.inbox", harness) == 3 }
        #expect(settled)
        #expect(try await status() == "completed")
        let entries = try await CRMTest.count("SELECT count(*)::int FROM crm.timeline WHERE order_id = 141", harness)
        #expect(entries == 1, "only the placing is on the timeline")
    }
}
