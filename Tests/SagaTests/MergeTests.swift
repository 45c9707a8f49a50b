import Contracts
import Foundation
import Messaging
import Postgres
import Saga
import ServiceTestSupport
import TestSupport
import Testing

/// The merge saga end to end, with failures injected at each step. Five minutes, a guard
/// against a hang: with the whole suite in parallel on two cores a test once went past three.
@Suite(.timeLimit(.minutes(10))) struct MergeTests {
    typealias S = SplitTests

    static func merge(_ system: SystemHarness, _ orders: [Int64]) async throws -> UUID {
        let outcome = try await system.client.send(SagaRequest.StartMerge(orders: orders, reason: "ship together"))
        #expect(outcome.status == .done, "\(outcome)")
        return try #require(try outcome.result?.decode(SagaRequest.Started.self)).saga
    }

    static func mergedInto(_ system: SystemHarness, _ order: Int64) async throws -> Int64? {
        try await system.pool("orders").query(
            PostgresQuery(
                unsafeSQL: "SELECT merged_into FROM \(system.schema("orders")).orders WHERE id = $1", binds: [order]))[0].decode(Int64?.self, at: 0)
    }

    @Test func twoUnpaidOrdersOfOneCustomerBecomeOneOrderWithTheirReservationsAndOneInvoice() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let a = try await S.placeReserved(system, "MERGE-A"), b = try await S.placeReserved(system, "MERGE-B")
            let totals = try await S.order(system, a).total + S.order(system, b).total
            let saga = try await Self.merge(system, [a, b])
            let completed = try await eventually { try await S.sagaStatus(system, saga) == "completed" }
            #expect(completed)
            let target = try #require(try await Self.mergedInto(system, a))
            let alsoTarget = try await Self.mergedInto(system, b)
            #expect(alsoTarget == target)
            let merged = try await S.order(system, target)
            #expect(merged.status == "pending_payment" && merged.total == totals, "\(merged)")
            #expect(merged.lines == "1x2=19700 2x1=4999 3x2=19700 4x1=4999", "the sources' lines, renumbered")
            for source in [a, b] {
                let status = try await S.order(system, source).status
                #expect(status == "merged")
                let held = try await S.reservations(system, of: source)
                #expect(held.isEmpty)
                let invoice = try await S.invoices(system, of: source)
                #expect(invoice == ["void"])
            }
            let held = try await S.reservations(system, of: target)
            #expect(held == ["1:SH:2", "2:BJ:1", "3:SH:2", "4:BJ:1"])
            let invoice = try await S.invoices(system, of: target)
            #expect(invoice == ["issued"])
            let superseded = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL: "SELECT count(*)::int FROM \(system.schema("saga")).instances WHERE type = 'fulfilment' AND status = 'superseded'"))[0]
                .decode(Int.self, at: 0)
            #expect(superseded == 2)
            let paid = try await system.client.send(
                FinanceCommand.RecordPayment(
                    order: target, amount: Money(minorUnits: totals, currency: .cny), method: "bank", reference: "PAY-M"))
            #expect(paid.status == .done, "\(paid)")
            let shipped = try await FulfilmentTests.waitFor(system, "MERGE-A-M\(target)", status: "shipped")
            #expect(shipped == target)
            try await S.invariantsHold(system)
        }
    }

    @Test func ordersForTwoAddressesAreNotMergedAndSayWhy() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let a = try await S.placeReserved(system, "MERGE-C"), b = try await S.placeReserved(system, "MERGE-D", street: "淮海路 2 号")
            let saga = try await Self.merge(system, [a, b])
            let compensated = try await eventually { try await S.sagaStatus(system, saga) == "compensated" }
            #expect(compensated)
            let failure = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL: "SELECT state->'failure'->>'reason' FROM \(system.schema("saga")).instances WHERE id = $1", binds: [saga]))[0]
                .decode(String.self, at: 0)
            #expect(failure.contains("another address"), "\(failure)")
            for source in [a, b] {
                let status = try await S.order(system, source).status
                #expect(status == "pending_payment")
            }
        }
    }

    @Test(arguments: SplitTests.Step.allCases)
    func aMergeThatFailsAtAnyStepRestoresTheSourcesExactly(step: SplitTests.Step) async throws {
        var inject: [String: @Sendable (inout MessageHandlers) -> Void] = [:]
        switch step {
        case .splitOrder: inject["orders"] = { $0.injectRefusal(OrderCommand.Merge.self) }
        case .moveReservation: inject["inventory"] = { $0.injectRefusal(InventoryCommand.MoveReservations.self) }
        case .moveInvoice: inject["finance"] = { $0.injectRefusal(FinanceCommand.Reinvoice.self) }
        }
        try await FulfilmentTests.withSystem(inject: inject) { system async throws in
            try await S.stock(system)
            let a = try await S.placeReserved(system, "MERGE-F1-\(step.rawValue)"), b = try await S.placeReserved(system, "MERGE-F2-\(step.rawValue)")
            let before = [try await S.order(system, a), try await S.order(system, b)].map { "\($0)" }
            let heldBefore = [try await S.reservations(system, of: a), try await S.reservations(system, of: b)]
            let saga = try await Self.merge(system, [a, b])
            let compensated = try await eventually { try await S.sagaStatus(system, saga) == "compensated" }
            #expect(compensated, "the merge failed at \(step) and was undone")
            let after = [try await S.order(system, a), try await S.order(system, b)].map { "\($0)" }
            #expect(after == before)
            let heldAfter = [try await S.reservations(system, of: a), try await S.reservations(system, of: b)]
            #expect(heldAfter == heldBefore)
            for source in [a, b] {
                let invoice = try await S.invoices(system, of: source)
                #expect(invoice == ["issued"])
                let link = try await Self.mergedInto(system, source)
                #expect(link == nil)
            }
            let strays = try await system.pool("orders").query(
                PostgresQuery(
                    unsafeSQL: "SELECT count(*)::int FROM \(system.schema("orders")).orders WHERE id NOT IN ($1, $2) AND status <> 'cancelled'",
                    binds: [a, b]))[0]
                .decode(Int.self, at: 0)
            #expect(strays == 0, "a merged order made before the failure is cancelled")
            try await S.invariantsHold(system)
        }
    }

    @Test func withAMergeWindowTwoOrdersOfOneCustomerPlacedWithinItAreMergedAndAnotherAddressIsNot() async throws {
        // A window long enough for the three orders to arrive on a loaded machine (the test
        // failed when placing B took longer than a 3-second window, and A was reserved alone).
        try await FulfilmentTests.withSystem(mergeWindow: .seconds(8)) { system async throws in
            try await S.stock(system)
            let a = try await S.place(system, "WIN-A", paid: false)
            let b = try await S.place(system, "WIN-B", paid: false)
            let c = try await S.place(system, "WIN-C", street: "淮海路 2 号", paid: false)
            let merged = try await eventually {
                let target = try await Self.mergedInto(system, a)
                let alsoTarget = try await Self.mergedInto(system, b)
                return target != nil && target == alsoTarget
            }
            #expect(merged, "the second order came within the window")
            let target = try #require(try await Self.mergedInto(system, a))
            let reserved = try await eventually { try await S.reservations(system, of: target).count == 4 }
            #expect(reserved, "the merged order is reserved (no hold for it)")
            let other = try await Self.mergedInto(system, c)
            #expect(other == nil, "an order to another address is not merged")
            let otherReserved = try await eventually { try await S.reservations(system, of: c).count == 2 }
            #expect(otherReserved, "it is reserved once its hold is over")
            let sourcesHold = try await S.reservations(system, of: a) + S.reservations(system, of: b)
            #expect(sourcesHold.isEmpty, "the sources never reserved: they were held")
            try await S.invariantsHold(system)
        }
    }

    @Test func aPaidAndAnUnpaidOrderMergedAreOwedOnlyTheUnpaidPartAndShipWhenItIsPaid() async throws {
        // A window long enough for the three orders to arrive on a loaded machine (the test
        // failed when placing B took longer than a 3-second window, and A was reserved alone).
        try await FulfilmentTests.withSystem(mergeWindow: .seconds(8)) { system async throws in
            try await S.stock(system)
            let paidOrder = try await S.placeHeld(system, "WIN-PAID", paid: true)
            let unpaid = try await S.placeHeld(system, "WIN-UNPAID", paid: false)
            let merged = try await eventually { try await Self.mergedInto(system, unpaid) != nil }
            #expect(merged)
            let target = try #require(try await Self.mergedInto(system, paidOrder))
            let status = try await S.order(system, target).status
            #expect(status == "pending_payment", "one source was not paid")
            let owed = try await eventually { try await ExchangeTests.open(system, order: target) == 25_700 }
            #expect(owed, "what the paid source paid was carried over: only the unpaid order's 257.00 is owed")
            let paid = try await system.client.send(
                FinanceCommand.RecordPayment(
                    order: target, amount: Money(minorUnits: 25_700, currency: .cny), method: "bank", reference: "REST"))
            #expect(paid.status == .done, "\(paid)")
            let shipped = try await eventually { try await S.order(system, target).status == "shipped" }
            let debugStatus = try await S.order(system, target).status
            let debugSagas = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT key || ' ' || status || ' ' || coalesce((state->'failure')::text, '') FROM \(system.schema("saga")).instances ORDER BY created_at"
                )
            )
            .map { try $0.decode(String.self, at: 0) }
            #expect(shipped, "nothing is owed now: paid, then shipped (\(debugStatus), \(debugSagas))")
            try await S.invariantsHold(system)
        }
    }
}
