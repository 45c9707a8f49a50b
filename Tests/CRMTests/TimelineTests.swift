import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// The timeline of every contact with a customer: orders' and finance's events, contacts
/// logged by people, merges by hand; each refused with its reason when it cannot be right.
@Suite(.timeLimit(.minutes(6))) struct TimelineTests {
    @Test(.service("t_crm", CRMTest.definition))
    func anOrdersEventsGoOnTheTimelineOnceEvenWhenTheyArriveBeforeTheOrder() async throws {
        let harness = try ServiceHarness.required()
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let paid = UUID.random()
        // Payment and invoice arrive first (another instance had the placing, or it was redelivered).
        try await CRMTest.publish(
            OrderEvent.StatusChanged(order: 51, from: .pendingPayment, to: .paid, reason: "paid", actor: "finance", total: CRMTest.cny(25_800)),
            harness, id: paid, at: start + 60)
        try await CRMTest.publish(
            FinanceEvent.InvoiceIssued(
                number: "INV-51", order: 51, customerEmail: nil, customerName: nil, gross: CRMTest.cny(25_800), tax: CRMTest.cny(2_968),
                issuedOn: try BusinessDate(year: 2026, month: 9, day: 22)), harness, at: start + 61)
        let waiting = try await eventually {
            try await CRMTest.count("SELECT count(*)::int FROM crm.waiting_order_events WHERE order_id = 51", harness) == 2
        }
        #expect(waiting, "kept until the order arrives")
        try await CRMTest.placed(CRMTest.order(51, customer: .init(name: "Cy", email: "cy@example.com"), placedAt: start), harness)
        let customer = try #require(try await CRMTest.waitForOrders([51], harness).first)
        // The same payment again (a redelivery with the same id) and the allocation, which customers are not told of.
        try await CRMTest.publish(
            OrderEvent.StatusChanged(order: 51, from: .pendingPayment, to: .paid, reason: "paid", actor: "finance", total: CRMTest.cny(25_800)),
            harness, id: paid, at: start + 60)
        try await CRMTest.publish(
            OrderEvent.StatusChanged(order: 51, from: .paid, to: .allocated, reason: "reserved", actor: "saga", total: CRMTest.cny(25_800)), harness,
            at: start + 120)
        try await CRMTest.publish(
            OrderEvent.StatusChanged(order: 51, from: .allocated, to: .shipped, reason: "parcel", actor: "warehouse", total: CRMTest.cny(25_800)),
            harness, at: start + 180)
        let shipped = try await eventually {
            try await CRMTest.profile(customer, harness)?.timeline.first?.kind == "order_shipped"
        }
        #expect(shipped)
        let profile = try #require(try await CRMTest.profile(customer, harness))
        #expect(profile.timeline.map(\.kind) == ["order_shipped", "invoice_issued", "order_paid", "order_placed"], "newest first, each once")
        // A change older than the one on record, arriving late (a retry queue, another instance), does not overwrite it.
        try await CRMTest.publish(
            OrderEvent.StatusChanged(order: 51, from: .paid, to: .allocated, reason: "late copy", actor: "saga", total: CRMTest.cny(25_800)),
            harness, at: start + 90)
        let late = try await eventually { try await CRMTest.count("SELECT count(*)::int FROM crm.inbox", harness) == 6 }
        #expect(late, "all six events handled (the repeated payment once)")
        let status = try await harness.pool.query("SELECT status FROM \(identifier: harness.schema).customer_orders WHERE order_id = 51")[0]
        #expect(try status.decode(String.self, at: 0) == "shipped", "the newest status is kept on the order's copy")
        let left = try await CRMTest.count("SELECT count(*)::int FROM crm.waiting_order_events", harness)
        #expect(left == 0)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aContactIsLoggedOnTheLiveProfileAndBadContactsAreRefusedWithTheirReason() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(61, customer: .init(name: "Di", email: "di@example.com")), harness)
        try await CRMTest.placed(CRMTest.order(62, customer: .init(name: "Ed", email: "ed@example.com")), harness)
        let customers = try await CRMTest.waitForOrders([61, 62], harness)
        let (di, ed) = (customers[0], customers[1])
        func log(_ customer: Int64, _ summary: String, order: Int64? = nil) async throws -> CommandOutcome {
            try await harness.client.send(
                CRMCommand.LogInteraction(customer: customer, channel: .phone, direction: .inbound, summary: summary, order: order, actor: "amy"))
        }
        let logged = try await log(di, "  called about the delivery date  ", order: 61)
        #expect(logged.status == .done, "\(logged)")
        #expect(try await log(di, "   ").code == "summary-required")
        #expect(try await log(di, String(repeating: "x", count: 2_001)).code == "summary-too-long")
        #expect(try await log(999_999, "who?").code == "unknown-customer")
        #expect(try await log(di, "not hers", order: 62).code == "unknown-order")
        let noActor = try await harness.client.send(
            CRMCommand.LogInteraction(customer: di, channel: .email, direction: .outbound, summary: "sent", order: nil, actor: " "))
        #expect(noActor.code == "actor-required")
        let contact = try await CRMTest.profile(di, harness)?.timeline.first { $0.kind == "contact" }
        let entry = try #require(contact)
        #expect(entry.summary == "called about the delivery date")
        #expect(entry.channel == "phone" && entry.direction == "in" && entry.actor == "amy" && entry.order == 61)

        // Merged by hand: the absorbed id still takes contacts, on the survivor.
        let merge = { (customer: Int64, into: Int64, reason: String) async throws -> CommandOutcome in
            try await harness.client.send(CRMCommand.MergeCustomers(customer: customer, into: into, reason: reason, actor: "amy"))
        }
        #expect(try await merge(ed, ed, "same").code == "same-customer")
        #expect(try await merge(ed, di, "  ").code == "reason-required")
        #expect(try await merge(ed, 999_999, "typo").code == "unknown-customer")
        let merged = try await merge(ed, di, "same person, confirmed by phone")
        #expect(merged.status == .done, "\(merged)")
        #expect(try merged.decodeResult(CRMResult.Merged.self) == CRMResult.Merged(survivor: di, absorbed: ed))
        #expect(try await merge(ed, di, "again").code == "customer-merged", "a merged profile cannot be merged again")
        #expect(try await log(ed, "called again").status == .done)
        let profile = try #require(try await CRMTest.profile(ed, harness))
        #expect(profile.customer == di)
        let contacts = profile.timeline.filter { $0.kind == "contact" }.count
        #expect(contacts == 2)
        let reason = try await harness.pool.query("SELECT merge_reason FROM \(identifier: harness.schema).customers WHERE id = \(ed)")[0]
        #expect(try reason.decode(String.self, at: 0) == "merged by hand: same person, confirmed by phone")
        let refusals = try await CRMTest.count("SELECT count(*)::int FROM crm.command_refusals", harness)
        #expect(refusals == 9, "every refusal is kept with its reason")
    }

    @Test(.service("t_crm", CRMTest.definition))
    func customersAreFoundByNameEmailPhoneOrOrderExternalID() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(
            CRMTest.order(71, externalID: "TM-2026-0001", customer: .init(name: "Fay Wong", email: "fay@example.com", phone: "13700000000")),
            harness)
        try await CRMTest.placed(CRMTest.order(72, customer: .init(name: "Gus 100%_", email: "gus@example.com")), harness)
        _ = try await CRMTest.waitForOrders([71, 72], harness)
        let queries = CRMQueries(schema: harness.schema)
        func found(_ search: String) async throws -> [String?] {
            try await queries.customers(search: search, tag: nil, limit: 10, harness.pool).rows.map { $0[1] }
        }
        #expect(try await found("fay WONG") == ["Fay Wong"])
        #expect(try await found("FAY@") == ["Fay Wong"])
        #expect(try await found("+8613700000000") == ["Fay Wong"])
        #expect(try await found("tm-2026") == ["Fay Wong"])
        #expect(try await found("100%_") == ["Gus 100%_"], "LIKE's wildcards are taken literally")
        #expect(try await found("%") == ["Gus 100%_"])
        #expect(try await found("nobody").isEmpty)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func profilesAreMergedAgainAndAgainEachOnTheSurvivorsTimeline() async throws {
        let harness = try ServiceHarness.required()
        // Three people, each first seen by one key, then linked one by one.
        for (id, customer) in [
            (Int64(91), CanonicalOrder.Customer(name: "Ida", email: "ida@example.com")), (92, .init(name: "Ida", phone: "13600000001")),
            (93, .init(externalId: "I-1", name: "Ida")), (94, .init(name: "Jon", email: "jon@example.com")),
            (95, .init(name: "Jon", phone: "13600000002")),
        ] {
            try await CRMTest.placed(CRMTest.order(id, customer: customer), harness)
        }
        let firsts = try await CRMTest.waitForOrders([91, 92, 93, 94, 95], harness)
        #expect(Set(firsts).count == 5)
        try await CRMTest.placed(CRMTest.order(96, customer: .init(name: "Ida", email: "ida@example.com", phone: "136 0000 0001")), harness)
        try await CRMTest.placed(CRMTest.order(97, customer: .init(externalId: "I-1", name: "Ida", phone: "13600000001")), harness)
        try await CRMTest.placed(CRMTest.order(98, customer: .init(name: "Jon", email: "jon@example.com", phone: "13600000002")), harness)
        let lasts = try await CRMTest.waitForOrders([96, 97, 98], harness)
        #expect(lasts == [firsts[0], firsts[0], firsts[3]], "three merges, into two survivors")
        let merges = try await CRMTest.count("SELECT count(*)::int FROM crm.merges", harness)
        #expect(merges == 3)
        let mergedEntries = try await CRMTest.count("SELECT count(*)::int FROM crm.timeline WHERE kind = 'merged'", harness)
        #expect(mergedEntries == 3, "each merge on its survivor's timeline")
        let live = try await CRMTest.count("SELECT count(*)::int FROM crm.customers WHERE merged_into IS NULL", harness)
        #expect(live == 2)
    }
}

extension CRMTest {
    static func logOutcome(customer: Int64, _ summary: String, _ harness: ServiceHarness) async throws -> CommandOutcome {
        try await harness.client.send(
            CRMCommand.LogInteraction(customer: customer, channel: .chat, direction: .inbound, summary: summary, order: nil, actor: "tests"))
    }

    static func log(customer: Int64, _ summary: String, _ harness: ServiceHarness) async throws {
        let outcome = try await harness.client.send(
            CRMCommand.LogInteraction(customer: customer, channel: .chat, direction: .inbound, summary: summary, order: nil, actor: "tests"))
        #expect(outcome.status == .done, "\(outcome)")
    }
}
