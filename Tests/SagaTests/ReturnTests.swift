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

/// The return saga end to end: approve → goods inspected → restock or quarantine → credit
/// note → order partially returned or returned; rejections, refund-only, timeouts and failures.
@Suite(.timeLimit(.minutes(10))) struct ReturnTests {
    typealias S = SplitTests

    /// A paid order of 2 shirts (197.00) and a cap (49.99), shipped, delivered and completed.
    static func completedOrder(_ system: SystemHarness, _ externalID: String) async throws -> Int64 {
        let id = try await S.place(system, externalID, paid: true)
        let delivered = try await system.client.send(OrderCommand.ChangeStatus(order: id, to: "delivered", reason: "courier scan"))
        #expect(delivered.status == .done, "\(delivered)")
        let completed = try #require(try await FulfilmentTests.waitFor(system, externalID, status: "completed"))
        // Its parcels' stock is issued by shipment sagas that may still be running: a test that
        // counts stock starts after they are done.
        let issued = try await eventually {
            let shipments = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT count(*) FILTER (WHERE status <> 'completed')::int, count(*)::int FROM \(system.schema("saga")).instances
                        WHERE type = 'shipment' AND key LIKE $1
                        """, binds: ["order:\(completed):shipment:%"]))[0]
            return try shipments.decode(Int.self, at: 0) == 0 && shipments.decode(Int.self, at: 1) > 0
        }
        #expect(issued, "the shipments of order \(completed) issued their stock")
        return completed
    }

    static func startReturn(_ system: SystemHarness, _ order: Int64, _ lines: [OrderCommand.ShipmentLine], _ kind: ReturnKind = .return)
        async throws -> (saga: UUID, rma: String)
    {
        let outcome = try await system.client.send(SagaRequest.StartReturn(order: order, lines: lines, kind: kind, reason: "does not fit"))
        #expect(outcome.status == .done, "\(outcome)")
        let saga = try #require(try outcome.result?.decode(SagaRequest.Started.self)).saga
        var rma = ""
        let approved = try await eventually {
            rma =
                try await system.pool("saga").query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT state->'data'->>'rma', state->'data'->'approved' IS NOT NULL AND state->'data'->'approved' <> 'null'::jsonb FROM \(system.schema("saga")).instances WHERE id = $1",
                        binds: [saga])
                ).first.map { try $0.decode(Bool.self, at: 1) ? try $0.decode(String.self, at: 0) : "" } ?? ""
            if !rma.isEmpty { return true }
            return try await S.sagaStatus(system, saga) != "waiting"
        }
        #expect(approved)
        return (saga, rma)
    }

    /// Returns one unit of `line` of a completed order, found sellable, and waits until the return is completed; its RMA.
    @discardableResult
    static func returnOne(_ system: SystemHarness, _ order: Int64, line: Int) async throws -> String {
        let (saga, rma) = try await startReturn(system, order, [.init(line: line, quantity: 1)])
        let inspected = try await system.client.send(
            OrderCommand.InspectReturn(rma: rma, items: [.init(line: line, quantity: 1, condition: .sellable)]))
        #expect(inspected.status == .done, "\(inspected)")
        let closed = try await eventually { try await S.sagaStatus(system, saga) == "completed" }
        #expect(closed, "return \(rma) was completed")
        return rma
    }

    static func creditNotes(_ system: SystemHarness, _ order: Int64) async throws -> [Int64] {
        try await system.pool("finance").query(
            PostgresQuery(
                unsafeSQL:
                    "SELECT gross_minor FROM \(system.schema("finance")).invoices WHERE order_id = $1 AND kind = 'credit_note' ORDER BY number",
                binds: [order])
        ).map { try $0.decode(Int64.self, at: 0) }
    }

    static func onHand(_ system: SystemHarness, _ sku: String) async throws -> Int {
        try await system.pool("inventory").query(
            PostgresQuery(
                unsafeSQL: "SELECT sum(on_hand)::int FROM \(system.schema("inventory")).stock WHERE sku = $1", binds: [sku]))[0].decode(
                Int.self, at: 0)
    }

    static func quarantined(_ system: SystemHarness, _ sku: String) async throws -> Int {
        try await system.pool("inventory").query(
            PostgresQuery(
                unsafeSQL: "SELECT coalesce(sum(quantity), 0)::int FROM \(system.schema("inventory")).quarantine WHERE sku = $1", binds: [sku]))[0]
            .decode(Int.self, at: 0)
    }

    @Test func aReturnOfPartOfAnOrderRestocksTheSellableUnitQuarantinesTheDamagedOneAndRefundsBoth() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await Self.completedOrder(system, "RET-1")
            let shirtsBefore = try await Self.onHand(system, "TEE-RED-M")
            let (saga, rma) = try await Self.startReturn(system, order, [.init(line: 1, quantity: 1), .init(line: 2, quantity: 1)])
            let requested = try await S.order(system, order).status
            #expect(requested == "return_requested")
            let inspected = try await system.client.send(
                OrderCommand.InspectReturn(
                    rma: rma, items: [.init(line: 1, quantity: 1, condition: .sellable), .init(line: 2, quantity: 1, condition: .quarantine)]))
            #expect(inspected.status == .done, "\(inspected)")
            let completed = try await eventually { try await S.sagaStatus(system, saga) == "completed" }
            #expect(completed)
            let status = try await S.order(system, order).status
            #expect(status == "partially_returned", "one shirt is still with the customer")
            let shirts = try await Self.onHand(system, "TEE-RED-M")
            #expect(shirts == shirtsBefore + 1, "the sellable shirt is back in its lot")
            let caps = try await Self.quarantined(system, "CAP-BLUE")
            #expect(caps == 1, "the damaged cap is in quarantine")
            let notes = try await Self.creditNotes(system, order)
            #expect(notes == [-(9_850 + 4_999)], "half of the shirts' 197.00 and the cap's 49.99")
            try await S.invariantsHold(system)
            // The rest comes back later: the order is returned.
            let (second, rest) = try await Self.startReturn(system, order, [.init(line: 1, quantity: 1)])
            let received = try await system.client.send(
                OrderCommand.InspectReturn(rma: rest, items: [.init(line: 1, quantity: 1, condition: .sellable)]))
            #expect(received.status == .done, "\(received)")
            let done = try await eventually { try await S.sagaStatus(system, second) == "completed" }
            #expect(done)
            let final = try await S.order(system, order).status
            #expect(final == "returned")
            let allNotes = try await Self.creditNotes(system, order)
            #expect(allNotes.reduce(0, +) == -(19_700 + 4_999), "both returns together refund the lines exactly")
            try await S.invariantsHold(system)
        }
    }

    @Test func aRefundOnlyReturnRefundsWithoutGoodsAndAReturnWithoutRefundTakesGoodsBackWithoutMoney() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await Self.completedOrder(system, "RET-2")
            let shirtsBefore = try await Self.onHand(system, "TEE-RED-M")
            let (refundOnly, _) = try await Self.startReturn(system, order, [.init(line: 2, quantity: 1)], .refundOnly)
            let refunded = try await eventually { try await S.sagaStatus(system, refundOnly) == "completed" }
            #expect(refunded, "no goods to wait for")
            let notes = try await Self.creditNotes(system, order)
            #expect(notes == [-4_999])
            let (noRefund, rma) = try await Self.startReturn(system, order, [.init(line: 1, quantity: 2)], .returnWithoutRefund)
            let received = try await system.client.send(
                OrderCommand.InspectReturn(rma: rma, items: [.init(line: 1, quantity: 2, condition: .sellable)]))
            #expect(received.status == .done, "\(received)")
            let closed = try await eventually { try await S.sagaStatus(system, noRefund) == "completed" }
            #expect(closed)
            let notesAfter = try await Self.creditNotes(system, order)
            #expect(notesAfter == [-4_999], "no money for the second return")
            let shirts = try await Self.onHand(system, "TEE-RED-M")
            #expect(shirts == shirtsBefore + 2)
            let status = try await S.order(system, order).status
            #expect(status == "returned")
            try await S.invariantsHold(system)
        }
    }

    @Test func aReturnAskedForOnThePlatformRunsLikeAnyOtherAndOneForAnUnknownOrderIsQuarantined() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await Self.completedOrder(system, "RET-P")
            let publisher = try await AMQPPublisher.connect(ServiceHarness.environment.broker)
            for request in [
                CanonicalReturn(
                    shop: "main", externalId: "RET-P", returnId: "R-77", lines: [.init(sku: "TEE-RED-M", quantity: 1)], reason: "too big"),
                CanonicalReturn(shop: "main", externalId: "NO-SUCH", returnId: "R-78", lines: [.init(sku: "TEE-RED-M", quantity: 1)]),
                CanonicalReturn(shop: "main", externalId: "RET-P", returnId: "R-79", lines: [.init(sku: "CAP-BLUE", quantity: 2)]),
            ] {
                _ = try await publisher.publish(
                    AMQPMessage(
                        exchange: system.commands, routingKey: "platform.web.return.requested", body: try MessageCoding.encoder().encode(request),
                        properties: AMQPProperties(contentType: "application/json", persistent: true)))
            }
            await publisher.close()
            let quarantined = try await eventually {
                try await system.pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT count(*)::int FROM \(system.schema("orders")).quarantine"))[0].decode(Int.self, at: 0) == 2
            }
            #expect(quarantined)
            let reasons = try await system.pool("orders").query(
                PostgresQuery(
                    unsafeSQL: "SELECT code || ': ' || reason FROM \(system.schema("orders")).quarantine ORDER BY id")
            ).map { try $0.decode(String.self, at: 0) }
            #expect(reasons == ["unknown-order: no order NO-SUCH of web/main", "unknown-line: order RET-P has 1 units of CAP-BLUE, not 2"])
            var approved = false
            let started = try await eventually {
                approved =
                    try await system.pool("orders").query(
                        PostgresQuery(
                            unsafeSQL: "SELECT 1 FROM \(system.schema("orders")).returns WHERE rma = 'RMA-web-R-77'")
                    ).first != nil
                return approved
            }
            #expect(started, "the coordinator started the return under the platform's id")
            let received = try await system.client.send(
                OrderCommand.InspectReturn(
                    rma: "RMA-web-R-77", items: [.init(line: 1, quantity: 1, condition: .sellable)]))
            #expect(received.status == .done, "\(received)")
            let done = try await eventually { try await S.order(system, order).status == "partially_returned" }
            #expect(done)
        }
    }

    @Test func anInspectionOrARestockThatDoesNotFitTheReturnIsRefusedWithItsReason() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await Self.completedOrder(system, "RET-BAD")
            let (_, rma) = try await Self.startReturn(system, order, [.init(line: 1, quantity: 2)])
            let other = try await Self.completedOrder(system, "RET-BAD-2")
            let (_, refundOnly) = try await Self.startReturn(system, other, [.init(line: 2, quantity: 1)], .refundOnly)
            let inspections: [(OrderCommand.InspectReturn, String)] = [
                (.init(rma: "RMA-NONE", items: [.init(line: 1, quantity: 1, condition: .sellable)]), "unknown-rma"),
                (.init(rma: rma, items: [.init(line: 2, quantity: 1, condition: .sellable)]), "unknown-line"),
                (.init(rma: rma, items: [.init(line: 1, quantity: 0, condition: .sellable)]), "validation"),
                (.init(rma: rma, items: [.init(line: 1, quantity: 3, condition: .sellable)]), "validation"),
                (.init(rma: rma, items: [.init(line: 1, quantity: 1, condition: .sellable)]), "validation"),
                (.init(rma: refundOnly, items: [.init(line: 2, quantity: 1, condition: .sellable)]), "validation"),
            ]
            for (inspection, code) in inspections {
                let outcome = try await system.client.send(inspection)
                #expect(outcome.status == .refused && outcome.code == code, "\(inspection): \(outcome)")
            }
            let again = try await system.client.send(
                OrderCommand.RequestReturn(
                    order: order, rma: rma, lines: [.init(line: 1, quantity: 1)], kind: .return, reason: "again"))
            #expect(again.code == "not-returnable", "the order is return_requested meanwhile: \(again)")
            // Inventory takes back no more than the order was issued, and each return once.
            let tooMany = try await system.client.send(
                InventoryCommand.ReturnOrderStock(
                    order: String(order), reference: "RMA-X", items: [.init(sku: "TEE-RED-M", quantity: 3, condition: .sellable)]))
            #expect(tooMany.code == "not-issued", "\(tooMany)")
            let once = try await system.client.send(
                InventoryCommand.ReturnOrderStock(
                    order: String(order), reference: "RMA-Y", items: [.init(sku: "TEE-RED-M", quantity: 1, condition: .sellable)]))
            #expect(once.status == .done, "\(once)")
            let twice = try await system.client.send(
                InventoryCommand.ReturnOrderStock(
                    order: String(order), reference: "RMA-Y", items: [.init(sku: "TEE-RED-M", quantity: 1, condition: .sellable)]))
            #expect(twice.code == "already-returned", "\(twice)")
        }
    }

    @Test func aReturnOfMoreThanWasShippedIsRejectedWithTheReasonAndTheOrderStaysAsItWas() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await Self.completedOrder(system, "RET-3")
            let (saga, _) = try await Self.startReturn(system, order, [.init(line: 1, quantity: 3)])
            let rejected = try await eventually { try await S.sagaStatus(system, saga) == "compensated" }
            #expect(rejected)
            let reason = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL: "SELECT state->'failure'->>'reason' FROM \(system.schema("saga")).instances WHERE id = $1", binds: [saga]))[0].decode(
                    String.self, at: 0)
            #expect(reason.contains("3 to return, 2 shipped"), "\(reason)")
            let status = try await S.order(system, order).status
            #expect(status == "completed")
        }
    }

    @Test func aFinalSaleItemIsNotReturnable() async throws {
        try await FulfilmentTests.withSystem { system async throws in
            try await S.stock(system)
            let order = try await Self.completedOrder(system, "RET-6")
            try await S.publish(
                system,
                CatalogEvent.SKUChanged(
                    code: "CAP-BLUE", product: "CAP-BLUE", title: "Cap", options: [:], barcode: nil, price: nil, taxCategory: "standard",
                    active: true,
                    returnable: false))
            let copied = try await eventually {
                try await system.pool("orders").query(
                    PostgresQuery(
                        unsafeSQL: "SELECT returnable FROM \(system.schema("orders")).skus WHERE code = 'CAP-BLUE'"))[0].decode(Bool.self, at: 0)
                    == false
            }
            #expect(copied)
            let (saga, _) = try await Self.startReturn(system, order, [.init(line: 2, quantity: 1)])
            let rejected = try await eventually { try await S.sagaStatus(system, saga) == "compensated" }
            #expect(rejected)
            let reason = try await system.pool("saga").query(
                PostgresQuery(
                    unsafeSQL: "SELECT state->'failure'->>'reason' FROM \(system.schema("saga")).instances WHERE id = $1", binds: [saga]))[0].decode(
                    String.self, at: 0)
            #expect(reason.contains("final sale"), "\(reason)")
        }
    }

    @Test func aReturnWhoseGoodsDoNotComeBackInTimeIsCancelled() async throws {
        let clock = ManualSagaClock()
        try await FulfilmentTests.withSystem(clock: clock) { system async throws in
            try await S.stock(system)
            let order = try await Self.completedOrder(system, "RET-4")
            let (saga, _) = try await Self.startReturn(system, order, [.init(line: 2, quantity: 1)])
            // The return waits for its goods a day (the test's setting) of the saga's clock.
            let waitsForGoods = try await eventually {
                try await system.pool("saga").query(
                    PostgresQuery(unsafeSQL: "SELECT step FROM \(system.schema("saga")).instances WHERE id = $1", binds: [saga])
                ).first?.decode(Int.self, at: 0) == 1  // await goods
            }
            #expect(waitsForGoods)
            #expect(try await S.sagaStatus(system, saga) == "waiting", "not before its deadline")
            clock.advance(by: .seconds(86_400 + 1))
            let cancelled = try await eventually { try await S.sagaStatus(system, saga) == "compensated" }
            #expect(cancelled)
            let status = try await S.order(system, order).status
            #expect(status == "completed", "the order is as before the return")
            let notes = try await Self.creditNotes(system, order)
            #expect(notes.isEmpty)
        }
    }

    enum Step: String, CaseIterable { case approve, restock, refund, close }

    @Test(arguments: Step.allCases)
    func aReturnFailingAtAnyStepIsUndoneBeforeTheGoodsComeBackAndStopsForAPersonAfter(step: Step) async throws {
        let refuse = Flag(true)
        var inject: [String: @Sendable (inout MessageHandlers) -> Void] = [:]
        switch step {
        case .approve: inject["orders"] = { $0.injectRefusal(OrderCommand.RequestReturn.self, when: { refuse.value }) }
        case .restock: inject["inventory"] = { $0.injectRefusal(InventoryCommand.ReturnOrderStock.self, when: { refuse.value }) }
        case .refund:
            inject["finance"] = {
                $0.injectRefusal(FinanceCommand.RecordRefund.self, code: "bank-down", reason: "the bank is down", when: { refuse.value })
            }
        case .close: inject["orders"] = { $0.injectRefusal(OrderCommand.CompleteReturn.self, when: { refuse.value }) }
        }
        try await FulfilmentTests.withSystem(inject: inject) { system async throws in
            try await S.stock(system)
            let order = try await Self.completedOrder(system, "RET-F-\(step.rawValue)")
            let outcome = try await system.client.send(
                SagaRequest.StartReturn(order: order, lines: [.init(line: 2, quantity: 1)], kind: .return, reason: "x"))
            let saga = try #require(try outcome.result?.decode(SagaRequest.Started.self)).saga
            if step == .approve {
                let rejected = try await eventually { try await S.sagaStatus(system, saga) == "compensated" }
                #expect(rejected, "refused before anything happened: the return is rejected")
                let status = try await S.order(system, order).status
                #expect(status == "completed")
                try await S.invariantsHold(system)
                return
            }
            var rma = ""
            let approved = try await eventually {
                rma =
                    try await system.pool("orders").query(
                        PostgresQuery(
                            unsafeSQL: "SELECT rma FROM \(system.schema("orders")).returns WHERE order_id = $1", binds: [order])
                    ).first?.decode(String.self, at: 0) ?? ""
                return !rma.isEmpty
            }
            #expect(approved)
            let received = try await system.client.send(
                OrderCommand.InspectReturn(rma: rma, items: [.init(line: 2, quantity: 1, condition: .sellable)]))
            #expect(received.status == .done, "\(received)")
            let stuck = try await eventually { try await S.sagaStatus(system, saga) == "stuck" }
            #expect(stuck, "the goods are back: nothing is undone, a person looks")
            try await S.invariantsHold(system, sagas: false)
            let checks = try await SagaInvariants(schema: system.schema("saga")).check(system.pool("saga"))
            let flagged = checks.first { !$0.held }?.violations.joined() ?? ""
            #expect(flagged.contains("is stuck"), "erpctl check names the stuck saga: \(checks)")
            // The cause is fixed; the retry goes on from the failed step.
            refuse.value = false
            let retried = try await system.client.send(SagaRequest.Retry(saga: saga))
            #expect(retried.status == .done, "\(retried)")
            let completed = try await eventually { try await S.sagaStatus(system, saga) == "completed" }
            #expect(completed)
            let status = try await S.order(system, order).status
            #expect(status == "partially_returned")
            let notes = try await Self.creditNotes(system, order)
            #expect(notes == [-4_999], "refunded once")
            try await S.invariantsHold(system)
        }
    }
}
