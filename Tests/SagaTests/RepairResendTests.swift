import AMQP
import Contracts
import Finance
import Foundation
import Messaging
import Postgres
import Saga
import ServiceTestSupport
import TestSupport
import Testing

/// After-sales through the real saga coordinator, orders, inventory and finance: a repair's
/// goods come back and go out again free (or are refunded when beyond repair); a re-send
/// ships the lines again, free, with no return; what is sent free is a replacement expense.
@Suite(.timeLimit(.minutes(10))) struct RepairResendTests {
    typealias S = SplitTests
    typealias R = ReturnTests

    /// Publishes what the CRM publishes when a repair ticket is resolved.
    static func decide(_ system: SystemHarness, ticket: Int64, order: Int64, _ outcome: RepairOutcome) async throws {
        let event = try Envelope(CRMEvent.RepairDecided(ticket: ticket, order: order, outcome: outcome), source: "erp-crm")
        let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
        _ = try await publisher.publish(
            AMQPMessage(exchange: system.events, routingKey: event.type.rawValue, body: event.payload, properties: event.amqpProperties))
        await publisher.close()
    }

    static func started(_ system: SystemHarness, _ request: some Message) async throws -> UUID {
        let outcome = try await system.client.send(request)
        #expect(outcome.status == .done, "\(outcome)")
        return try #require(try outcome.result?.decode(SagaRequest.Started.self)).saga
    }

    /// The replacement orders of `order`: (id, status, total, kind of payment).
    static func replacements(_ system: SystemHarness, of order: Int64) async throws -> [(id: Int64, status: String, total: Int64, rma: String)] {
        try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: "SELECT id, status, total_minor, exchange_rma FROM \(system.schema("orders")).orders WHERE exchange_for = $1 ORDER BY id",
                binds: [order])
        ).map {
            (try $0.decode(Int64.self, at: 0), try $0.decode(String.self, at: 1), try $0.decode(Int64.self, at: 2), try $0.decode(String.self, at: 3))
        }
    }

    /// Debits of the order's cost of goods, by account.
    static func costAccounts(_ system: SystemHarness, _ order: Int64) async throws -> [String: Int64] {
        let rows = try await system.pool("finance").query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT l.account, sum(l.debit_minor)::bigint FROM \(system.schema("finance")).cost_lines c
                    JOIN \(system.schema("finance")).journal_lines l ON l.entry_id = c.entry_id AND l.debit_minor > 0
                    WHERE c.order_ref = $1 GROUP BY l.account
                    """, binds: [String(order)]))
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode(String.self, at: 0), try $0.decode(Int64.self, at: 1)) })
    }

    static func returnStatus(_ system: SystemHarness, _ rma: String) async throws -> String? {
        try await system.pool("orders").query(
            PostgresQuery(unsafeSQL: "SELECT status FROM \(system.schema("orders")).returns WHERE rma = $1", binds: [rma])
        ).first?.decode(String.self, at: 0)
    }

    @Test func aResendShipsTheLinesAgainFreeAndFinanceBooksItsCostAsReplacementExpense() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await R.completedOrder(system, "RS-1")
            let saga = try await Self.started(
                system, SagaRequest.StartResend(order: order, lines: [.init(line: 2, quantity: 1)], ticket: 41, reason: "parcel lost"))
            let completed = try await eventually { try await S.sagaStatus(system, saga) == "completed" }
            #expect(completed)
            let replacement = try #require(try await Self.replacements(system, of: order).first)
            #expect(replacement.total == 0 && replacement.rma == "RESEND-\(order)-T41", "free, under the ticket's reference")
            let shipped = try await eventually { try await S.order(system, replacement.id).status == "shipped" }
            #expect(shipped, "paid from the start: it ships without waiting for money")
            let booked = try await eventually { try await Self.costAccounts(system, replacement.id)[Accounts.freeReplacements] != nil }
            #expect(booked)
            let accounts = try await Self.costAccounts(system, replacement.id)
            #expect(accounts.keys.sorted() == [Accounts.freeReplacements], "no cost of sales: \(accounts)")
            #expect(try await S.order(system, order).status == "completed", "the original order is untouched")
            // Asked again for the same ticket: the same replacement.
            _ = try await Self.started(
                system, SagaRequest.StartResend(order: order, lines: [.init(line: 2, quantity: 1)], ticket: 41, reason: "parcel lost"))
            #expect(try await Self.replacements(system, of: order).count == 1)
            try await S.invariantsHold(system)
        }
    }

    @Test func aResendOfALineTheOrderDoesNotHaveOrOfMoreUnitsThanItHadIsRefused() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await R.completedOrder(system, "RS-2")
            for (line, quantity) in [(9, 1), (2, 2)] {
                let saga = try await Self.started(
                    system,
                    SagaRequest.StartResend(order: order, lines: [.init(line: line, quantity: quantity)], ticket: Int64(50 + line), reason: "lost"))
                let refused = try await eventually { try await S.sagaStatus(system, saga) == "compensated" }
                #expect(refused, "line \(line) × \(quantity)")
                let failure = try await system.pool("saga").query(
                    PostgresQuery(unsafeSQL: "SELECT state->'failure'->>'code' FROM \(system.schema("saga")).instances WHERE id = $1", binds: [saga])
                )[0].decode(String?.self, at: 0)
                #expect(failure == (line == 9 ? "unknown-line" : "validation"))
            }
            #expect(try await Self.replacements(system, of: order).isEmpty)
            let empty = try await system.client.send(SagaRequest.StartResend(order: order, lines: [], ticket: 59, reason: "lost"))
            #expect(empty.code == "validation")
        }
    }

    /// A completed order's cap (line 2) sent for repair under `ticket`, received back in `condition`.
    static func capBackForRepair(_ system: SystemHarness, _ externalID: String, ticket: Int64, _ condition: InventoryCommand.ReturnCondition)
        async throws -> (order: Int64, saga: UUID, rma: String)
    {
        try await S.stock(system)
        let order = try await R.completedOrder(system, externalID)
        let saga = try await Self.started(
            system, SagaRequest.StartRepair(order: order, lines: [.init(line: 2, quantity: 1)], ticket: ticket, reason: "broken"))
        let rma = SagaRequest.StartRepair.rma(ticket: ticket)
        let approved = try await eventually { try await Self.returnStatus(system, rma) == "approved" }
        #expect(approved)
        let inspected = try await system.client.send(OrderCommand.InspectReturn(rma: rma, items: [.init(line: 2, quantity: 1, condition: condition)]))
        #expect(inspected.status == .done, "\(inspected)")
        return (order, saga, rma)
    }

    @Test func aRepairedItemComesBackAndGoesOutAgainFreeWithNoRefundAndTheOrderKeepsItsState() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            let (order, saga, rma) = try await Self.capBackForRepair(system, "RP-1", ticket: 61, .sellable)
            let waits = try await eventually {
                try await system.pool("saga").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT step FROM \(system.schema("saga")).history WHERE saga_id = $1 ORDER BY seq DESC LIMIT 1", binds: [saga])
                ).first?.decode(String.self, at: 0) == "await repair"
            }
            #expect(waits, "the goods are back; the repair waits for the ticket")
            try await Self.decide(system, ticket: 61, order: order, .repaired)
            let completed = try await eventually { try await S.sagaStatus(system, saga) == "completed" }
            #expect(completed)
            #expect(try await Self.returnStatus(system, rma) == "repaired")
            #expect(try await S.order(system, order).status == "completed", "back as it was: nothing was returned for money")
            #expect(try await R.creditNotes(system, order).isEmpty, "no refund")
            let replacement = try #require(try await Self.replacements(system, of: order).first)
            #expect(replacement.total == 0 && replacement.rma == rma)
            let shipped = try await eventually { try await S.order(system, replacement.id).status == "shipped" }
            #expect(shipped)
            let booked = try await eventually { try await Self.costAccounts(system, replacement.id)[Accounts.freeReplacements] != nil }
            #expect(booked)
            // The repaired cap can still be returned later: its units count as not returned.
            let (_, later) = try await R.startReturn(system, order, [.init(line: 2, quantity: 1)])
            #expect(!later.isEmpty, "returnable again")
            try await S.invariantsHold(system)
        }
    }

    @Test func anItemBeyondRepairIsRefundedAndTheReturnCompletes() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            let (order, saga, rma) = try await Self.capBackForRepair(system, "RP-2", ticket: 62, .quarantine)
            try await Self.decide(system, ticket: 99, order: order, .repaired)  // another ticket's decision: not this repair's
            try await Self.decide(system, ticket: 62, order: order, .unrepairable)
            let completed = try await eventually { try await S.sagaStatus(system, saga) == "completed" }
            #expect(completed)
            #expect(try await R.creditNotes(system, order) == [-4_999], "the cap's 49.99 refunded")
            #expect(try await Self.returnStatus(system, rma) == "completed")
            #expect(try await S.order(system, order).status == "partially_returned")
            #expect(try await Self.replacements(system, of: order).isEmpty, "nothing goes back")
            try await S.invariantsHold(system)
        }
    }

    @Test func aRepairCannotBeStartedAsAnOrdinaryReturn() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            let refused = try await system.client.send(
                SagaRequest.StartReturn(order: 1, lines: [.init(line: 1, quantity: 1)], kind: .repair, reason: "broken"))
            #expect(refused.code == "validation")
        }
    }
}
