import CRM
import Contracts
import Foundation
import Messaging
import Postgres
import ServiceKit
import ServiceTestSupport
import TestSupport
import Testing

/// Consent per channel, data-subject access and forgetting.
@Suite(.timeLimit(.minutes(6))) struct PrivacyTests {
    static func consent(
        _ harness: ServiceHarness, _ customer: Int64, _ channel: MarketingChannel, _ optedIn: Bool, at: Date? = nil, source: String = "checkout form"
    ) async throws -> CommandOutcome {
        try await harness.client.send(
            CRMCommand.SetConsent(customer: customer, channel: channel, optedIn: optedIn, at: at, source: source, actor: "tests"))
    }

    @Test(.service("t_crm", CRMTest.definition))
    func theLatestConsentStatementOnAChannelHoldsAndBadOnesAreRefused() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(101, customer: .init(name: "Kai", email: "kai@example.com")), harness)
        let customer = try #require(try await CRMTest.waitForOrders([101], harness).first)
        let now = Date()
        let optIn = try await Self.consent(harness, customer, .email, true, at: now - 3_600)
        #expect(try optIn.decodeResult(CRMResult.ConsentRecorded.self).optedIn)
        // An older opt-out arriving late changes nothing; a newer one does.
        let late = try await Self.consent(harness, customer, .email, false, at: now - 7_200, source: "paper form")
        #expect(try late.decodeResult(CRMResult.ConsentRecorded.self).optedIn, "older than the opt-in")
        let out = try await Self.consent(harness, customer, .email, false, at: now - 60, source: "unsubscribe link")
        #expect(try !out.decodeResult(CRMResult.ConsentRecorded.self).optedIn)
        #expect(try await Self.consent(harness, customer, .sms, true).status == .done)
        #expect(try await Self.consent(harness, 999_999, .sms, true).code == "unknown-customer")
        #expect(try await Self.consent(harness, customer, .sms, true, source: "  ").code == "source-required")
        #expect(try await Self.consent(harness, customer, .sms, true, at: now + 86_400).code == "consent-in-future")
        #expect(try await Self.consent(harness, customer, .sms, true, at: Date(timeIntervalSince1970: 0)).code == "consent-too-old")
        let profile = try #require(try await CRMTest.profile(customer, harness))
        let current = profile.consents.map { "\($0.channel)=\($0.optedIn)" }
        #expect(current == ["email=false", "sms=true"])
        let entries = profile.timeline.filter { $0.kind == "consent" }.count
        #expect(entries == 4)
    }

    @Test(.service("t_crm", CRMTest.definition))
    func anExportHoldsEverythingKeptAboutThePerson() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(CRMTest.order(111, customer: .init(name: "Lu", email: "lu@example.com")), harness)
        try await CRMTest.placed(CRMTest.order(112, platform: "jd", shop: "self", customer: .init(name: "Lu Xi", phone: "13500000000")), harness)
        let customers = try await CRMTest.waitForOrders([111, 112], harness)
        let merged = try await harness.client.send(
            CRMCommand.MergeCustomers(customer: customers[1], into: customers[0], reason: "same person", actor: "tests"))
        #expect(merged.status == .done, "\(merged)")
        #expect(try await Self.consent(harness, customers[0], .email, true).status == .done)
        try await CRMTest.log(customer: customers[0], "asked for her data", harness)
        let ticket = try await harness.client.send(CRMCommand.OpenTicket(customer: customers[0], kind: .enquiry, subject: "my data", actor: "tests"))
        #expect(ticket.status == .done)
        let document = try #require(try await CRMQueries(schema: harness.schema).export(customers[1], harness.pool))
        #expect(document.profile.customer == customers[0], "the merged id exports the live profile")
        #expect(Set(document.orders.map(\.order)) == [111, 112])
        let keys = Set(document.profile.keys.map(\.value))
        #expect(keys == ["lu@example.com", "+8613500000000"])
        #expect(document.consentHistory.count == 1)
        #expect(document.merges.count == 1)
        let subjects = document.tickets.map(\.subject)
        #expect(subjects == ["my data"], "tickets with their messages and history")
        let kinds = Set(document.profile.timeline.map(\.kind))
        #expect(kinds.isSuperset(of: ["order_placed", "merged", "consent", "contact"]))
        let json = String(decoding: try MessageCoding.encoder().encode(document), as: UTF8.self)
        #expect(json.contains("lu@example.com") && json.contains("asked for her data"))
    }

    @Test(.service("t_crm", CRMTest.definition))
    func aForgottenPersonKeepsNoPersonalDataTheirOrdersKeepTheirAmountsAndTheyStartAfreshIfTheyOrderAgain() async throws {
        let harness = try ServiceHarness.required()
        try await CRMTest.placed(
            CRMTest.order(121, total: CRMTest.cny(12_300), customer: .init(externalId: "M-1", name: "Mo", email: "mo@example.com")), harness)
        try await CRMTest.placed(CRMTest.order(122, total: CRMTest.cny(4_500), customer: .init(name: "Mo Li", phone: "13400000000")), harness)
        let customers = try await CRMTest.waitForOrders([121, 122], harness)
        #expect(
            try await harness.client.send(CRMCommand.MergeCustomers(customer: customers[1], into: customers[0], reason: "Mo told us", actor: "tests"))
                .status == .done)
        #expect(try await Self.consent(harness, customers[0], .email, true).status == .done)
        try await CRMTest.log(customer: customers[0], "Mo called from 134 0000 0000", harness)
        #expect(try await Self.consent(harness, customers[0], .sms, false, source: "Mo said no on the phone").status == .done)
        let ticket = try await harness.client.send(
            CRMCommand.OpenTicket(customer: customers[0], kind: .complaint, subject: "Mo's parcel to 南京路", actor: "tests")
        ).decodeResult(CRMResult.Ticket.self)
        #expect(try await harness.client.send(CRMCommand.ReplyToTicket(ticket: ticket.ticket, body: "Dear Mo, sorry", actor: "amy")).status == .done)
        let refused = try await harness.client.send(
            CRMCommand.LogInteraction(
                customer: customers[0], channel: .chat, direction: .inbound, summary: "Mo " + String(repeating: "x", count: 2_001), order: nil,
                actor: "tests"))
        #expect(refused.code == "summary-too-long", "kept in the refusals with what was sent")
        let spendBefore = try await CRMTest.profile(customers[0], harness)?.spend

        #expect(try await harness.client.send(CRMCommand.ForgetCustomer(customer: customers[0], reason: " ", actor: "dpo")).code == "reason-required")
        #expect(
            try await harness.client.send(CRMCommand.ForgetCustomer(customer: customers[1], reason: "GDPR request 7", actor: "dpo")).code
                == "customer-merged")
        let outcome = try await harness.client.send(CRMCommand.ForgetCustomer(customer: customers[0], reason: "GDPR request 7", actor: "dpo"))
        let forgotten = try outcome.decodeResult(CRMResult.Forgotten.self)
        #expect(forgotten == CRMResult.Forgotten(customer: customers[0], pseudonym: "forgotten-\(customers[0])", orders: [121, 122]))
        #expect(
            try await harness.client.send(CRMCommand.ForgetCustomer(customer: customers[0], reason: "again", actor: "dpo")).code
                == "customer-forgotten")
        #expect(try await Self.consent(harness, customers[0], .sms, true).code == "customer-forgotten")
        #expect(
            try await harness.client.send(CRMCommand.ReplyToTicket(ticket: ticket.ticket, body: "again", actor: "amy")).code == "customer-forgotten")
        #expect(try await CRMTest.logOutcome(customer: customers[0], "hello", harness).code == "customer-forgotten")

        // Nothing personal left anywhere in the schema.
        let everything = try await harness.pool.query(
            """
            SELECT coalesce((SELECT string_agg(c::text, '') FROM \(identifier: harness.schema).customers c), '')
                || coalesce((SELECT string_agg(t::text, '') FROM \(identifier: harness.schema).timeline t), '')
                || coalesce((SELECT string_agg(m::text, '') FROM \(identifier: harness.schema).merges m), '')
                || coalesce((SELECT string_agg(t::text, '') FROM \(identifier: harness.schema).tickets t), '')
                || coalesce((SELECT string_agg(m::text, '') FROM \(identifier: harness.schema).ticket_messages m), '')
                || coalesce((SELECT string_agg(convert_from(payload, 'UTF8'), '') FROM \(identifier: harness.schema).command_refusals), '')
                || (SELECT count(*) FROM \(identifier: harness.schema).customer_keys)::text
                || (SELECT count(*) FROM \(identifier: harness.schema).customer_names)::text
                || (SELECT count(*) FROM \(identifier: harness.schema).customer_addresses)::text
                || (SELECT count(*) FROM \(identifier: harness.schema).consent_changes)::text
            """)[0].decode(String.self, at: 0)
        for personal in ["Mo", "mo@example.com", "13400000000", "M-1", "南京路", "134 0000 0000"] {
            #expect(!everything.contains(personal), "\(personal) is erased")
        }
        #expect(everything.hasSuffix("0000"), "no keys, names, addresses or consents")
        let profile = try #require(try await CRMTest.profile(customers[0], harness))
        #expect(profile.name == "forgotten-\(customers[0])")
        #expect(profile.forgottenAt != nil)
        #expect(profile.spend == spendBefore, "amounts and dates are kept")
        let published = try await harness.outboxTypes()
        #expect(published.contains(OrderCommand.ForgetCustomer.type.rawValue), "the orders service is told to erase the orders")
        #expect(published.contains(CRMEvent.CustomerForgotten.type.rawValue))
        let requests = try await CRMTest.count(
            "SELECT count(*)::int FROM crm.forget_requests WHERE actor = 'dpo' AND reason = 'GDPR request 7'", harness)
        #expect(requests == 1, "who asked, when and why is kept")

        // The same person ordering again is a new profile.
        try await CRMTest.placed(CRMTest.order(123, customer: .init(externalId: "M-1", name: "Mo", email: "mo@example.com")), harness)
        let again = try #require(try await CRMTest.waitForOrders([123], harness).first)
        #expect(again != customers[0])
        let results = try await CRMInvariants(schema: harness.schema).check(harness.pool)
        let broken = results.filter { !$0.held }.map(\.name)
        #expect(broken.isEmpty)
    }
}
