import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Every inventory command through the real broker and database: sent by a
/// ``CommandClient`` to a running inventory service, answered by its outcome.
@Suite(.timeLimit(.minutes(6))) struct InventoryServiceTests {
    static let cny = Currency.cny

    static func withInventory<T>(instances: Int = 1, _ body: (ServiceHarness) async throws -> T) async throws -> T {
        try await ServiceHarness.run(
            prefix: "t_invsvc", instances: instances,
            { schema, queue, exchange in
                InventoryService.definition(schema: schema, queue: queue, commandsExchange: exchange)
            }
        ) { harness in
            for (code, region) in [("SH", "east"), ("GZ", "south"), ("BJ", "north")] {
                let outcome = try await harness.client.send(InventoryCommand.AddWarehouse(code: code, name: code, region: region))
                #expect(outcome.status == .done, "\(outcome)")
            }
            return try await body(harness)
        }
    }

    static func receive(
        _ harness: ServiceHarness, _ sku: String, _ warehouse: String, _ quantity: Int, lot: String = "L1", expiry: String? = nil,
        cost: Int64 = 1_000
    ) async throws -> CommandOutcome {
        try await harness.client.send(
            InventoryCommand.Receive(
                sku: sku, warehouse: warehouse, lot: lot, expiry: try expiry.map { try BusinessDate($0) },
                unitCost: Money(minorUnits: cost, currency: cny), quantity: quantity, purchaseReference: "PO-1"))
    }

    static func refusal(_ outcome: CommandOutcome) -> String? {
        outcome.status == .refused ? outcome.code : nil
    }

    @Test func receivingStockReportsTheNewLevelAndPublishesTheReceipt() async throws {
        try await Self.withInventory { harness in
            let outcome = try await Self.receive(harness, "TEE-RED-M", "SH", 12, expiry: "2027-03-31")
            let level = try outcome.decodeResult(InventoryResult.Level.self)
            #expect(level == InventoryResult.Level(sku: "TEE-RED-M", warehouse: "SH", onHand: 12, reserved: 0, available: 12))
            #expect(try await harness.outboxTypes().contains(InventoryEvent.Received.type.rawValue))
            let expiry = try await harness.pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT expiry::text FROM \(harness.schema).lots WHERE sku = 'TEE-RED-M'"))[0].decode(String.self, at: 0)
            #expect(expiry == "2027-03-31")
        }
    }

    @Test func badReceiptsAreRefusedWithTheRuleTheyBreakAndKept() async throws {
        try await Self.withInventory { harness in
            let client = harness.client
            func send(_ command: InventoryCommand.Receive) async throws -> String? { Self.refusal(try await client.send(command)) }
            let cost = Money(minorUnits: 100, currency: Self.cny)
            #expect(try await send(.init(sku: "A", warehouse: "SH", lot: "L", expiry: nil, unitCost: cost, quantity: 0)) == "validation")
            #expect(try await send(.init(sku: "", warehouse: "SH", lot: "L", expiry: nil, unitCost: cost, quantity: 1)) == "validation")
            #expect(try await send(.init(sku: "A", warehouse: "XX", lot: "L", expiry: nil, unitCost: cost, quantity: 1)) == "unknown-warehouse")
            #expect(
                try await send(
                    .init(
                        sku: "A", warehouse: "SH", lot: "L", expiry: nil, unitCost: Money(minorUnits: -1, currency: Self.cny), quantity: 1))
                    == "validation")
            #expect(
                try await send(
                    .init(
                        sku: "A", warehouse: "SH", lot: "L", expiry: nil, unitCost: cost, quantity: 1, purchaseRequest: 999))
                    == "unknown-purchase-request")
            let kept = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).command_refusals"))
            #expect(try kept[0].decode(Int.self, at: 0) == 5)
            let stock = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(harness.schema).stock"))
            #expect(try stock[0].decode(Int.self, at: 0) == 0, "a refused receipt (even one refused after its stock was written) leaves nothing")
        }
    }

    @Test func anUndecodableCommandIsParkedAndItsSenderToldWhy() async throws {
        try await Self.withInventory { harness in
            let envelope = Envelope(
                type: InventoryCommand.Receive.type, schemaVersion: 1, source: "tests",
                payload: Data(#"{"sku":"A","warehouse":"SH","lot":"L","unit_cost":{"minor_units":1,"currency":"CNY"},"quantity":"many"}"#.utf8),
                replyTo: harness.client.replyQueue)
            let outcome = try await harness.client.send([envelope])[envelope.id]!
            #expect(outcome.status == .refused)
            #expect(outcome.reason?.contains("quantity") == true, "\(outcome)")
            let badDate = Envelope(
                type: InventoryCommand.Receive.type, schemaVersion: 1, source: "tests",
                payload: Data(
                    #"{"sku":"A","warehouse":"SH","lot":"L","expiry":"2027-02-30","unit_cost":{"minor_units":1,"currency":"CNY"},"quantity":1}"#.utf8),
                replyTo: harness.client.replyQueue)
            let dateOutcome = try await harness.client.send([badDate])[badDate.id]!
            #expect(dateOutcome.reason?.contains("2027-02-30") == true, "\(dateOutcome)")
            let parked = try await ParkedMessages.list(parkingQueue: "\(harness.schema).commands.parked", broker: ServiceHarness.environment.broker)
            #expect(Set(parked.map(\.id)) == [envelope.id.uuidString.lowercased(), badDate.id.uuidString.lowercased()])
        }
    }

    @Test func anOrderIsReservedFromOneWarehouseWhenOneCanSupplyEveryLine() async throws {
        try await Self.withInventory { harness in
            _ = try await Self.receive(harness, "A", "SH", 5)
            _ = try await Self.receive(harness, "A", "GZ", 5)
            _ = try await Self.receive(harness, "B", "GZ", 5)
            let outcome = try await harness.client.send(
                InventoryCommand.Reserve(
                    order: "SO-1", lines: [.init(line: 1, sku: "A", quantity: 2), .init(line: 2, sku: "B", quantity: 1)], shippingRegion: "east"))
            let reserved = try outcome.decodeResult(InventoryResult.Reserved.self)
            #expect(reserved.warehouses == ["GZ"])
            #expect(
                Set(reserved.reservations) == [
                    .init(line: 1, sku: "A", warehouse: "GZ", quantity: 2), .init(line: 2, sku: "B", warehouse: "GZ", quantity: 1),
                ])
        }
    }

    @Test func anOrderNoWarehouseCanSupplyAloneIsSplitAndTheReplySaysWhichSuppliesWhat() async throws {
        try await Self.withInventory { harness in
            _ = try await Self.receive(harness, "A", "SH", 5)
            _ = try await Self.receive(harness, "B", "GZ", 5)
            let reserved = try await harness.client.send(
                InventoryCommand.Reserve(
                    order: "SO-2", lines: [.init(line: 1, sku: "A", quantity: 2), .init(line: 2, sku: "B", quantity: 1)])
            )
            .decodeResult(InventoryResult.Reserved.self)
            #expect(reserved.warehouses == ["GZ", "SH"])
            let lineOneFromSH = reserved.reservations.first { $0.line == 1 }?.warehouse == "SH"
            #expect(lineOneFromSH)
            let lineTwoFromGZ = reserved.reservations.first { $0.line == 2 }?.warehouse == "GZ"
            #expect(lineTwoFromGZ)
        }
    }

    @Test func anOrderWithTheSameSKUOnTwoLinesReservesBothOrNeither() async throws {
        try await Self.withInventory { harness in
            _ = try await Self.receive(harness, "A", "SH", 3)
            let refused = try await harness.client.send(
                InventoryCommand.Reserve(
                    order: "SO-3", lines: [.init(line: 1, sku: "A", quantity: 2), .init(line: 2, sku: "A", quantity: 2)]))
            #expect(refused.code == "insufficient-stock", "\(refused)")
            #expect(refused.reason?.contains("A short by 1") == true, "\(refused)")
            let done = try await harness.client.send(
                InventoryCommand.Reserve(
                    order: "SO-4", lines: [.init(line: 1, sku: "A", quantity: 2), .init(line: 2, sku: "A", quantity: 1)]))
            #expect(try done.decodeResult(InventoryResult.Reserved.self).reservations.map(\.quantity).reduce(0, +) == 3)
        }
    }

    @Test func releasingAndIssuingEndReservationsAndIssuingReturnsFEFOLotsWithCost() async throws {
        try await Self.withInventory { harness in
            _ = try await Self.receive(harness, "MILK", "SH", 4, lot: "LATE", expiry: "2099-06-01", cost: 300)
            _ = try await Self.receive(harness, "MILK", "SH", 4, lot: "SOON", expiry: "2099-01-01", cost: 200)
            _ = try await harness.client.send(InventoryCommand.Reserve(order: "SO-5", lines: [.init(line: 1, sku: "MILK", quantity: 6)]))
            _ = try await harness.client.send(InventoryCommand.Reserve(order: "SO-6", lines: [.init(line: 1, sku: "MILK", quantity: 2)]))
            let released = try await harness.client.send(InventoryCommand.Release(order: "SO-6")).decodeResult(InventoryResult.Released.self)
            #expect(released.units == 2)
            let issued = try await harness.client.send(InventoryCommand.Issue(order: "SO-5")).decodeResult(InventoryResult.Issued.self)
            #expect(issued.lots.map(\.lot) == ["SOON", "LATE"])
            #expect(issued.lots.map(\.quantity) == [4, 2])
            #expect(issued.lots.map(\.unitCost.minorUnits) == [200, 300])
            let again = try await harness.client.send(InventoryCommand.Issue(order: "SO-5"))
            #expect(again.code == "nothing-reserved")
            let level = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT on_hand, reserved FROM \(harness.schema).stock"))[0]
            #expect(try level.decode(Int.self, at: 0) == 2)
            #expect(try level.decode(Int.self, at: 1) == 0)
            #expect(try await StockInvariants(schema: harness.schema).check(harness.pool).allSatisfy(\.held))
        }
    }

    @Test func adjustmentsAndCountsChangeALotWithAReasonAndNeverBelowWhatIsReserved() async throws {
        try await Self.withInventory { harness in
            _ = try await Self.receive(harness, "A", "SH", 10)
            _ = try await harness.client.send(InventoryCommand.Reserve(order: "SO-7", lines: [.init(line: 1, sku: "A", quantity: 8)]))
            let adjusted = try await harness.client.send(InventoryCommand.Adjust(sku: "A", warehouse: "SH", lot: "L1", delta: -2, reason: "damaged"))
            #expect(try adjusted.decodeResult(InventoryResult.Adjusted.self).level.onHand == 8)
            let tooMuch = try await harness.client.send(InventoryCommand.Adjust(sku: "A", warehouse: "SH", lot: "L1", delta: -1, reason: "lost"))
            #expect(tooMuch.code == "invalid-adjustment")
            let noReason = try await harness.client.send(InventoryCommand.Adjust(sku: "A", warehouse: "SH", lot: "L1", delta: 1, reason: " "))
            #expect(noReason.code == "validation")
            let counted = try await harness.client.send(InventoryCommand.Count(sku: "A", warehouse: "SH", lot: "L1", counted: 11, reference: "CC-1"))
            #expect(try counted.decodeResult(InventoryResult.Adjusted.self).delta == 3)
            let negative = try await harness.client.send(InventoryCommand.Count(sku: "A", warehouse: "SH", lot: "L1", counted: -1, reference: "CC-2"))
            #expect(negative.code == "invalid-count")
            let unknownLot = try await harness.client.send(
                InventoryCommand.Count(sku: "A", warehouse: "SH", lot: "NOPE", counted: 1, reference: "CC-3"))
            #expect(unknownLot.code == "invalid-count")
            #expect(try await StockInvariants(schema: harness.schema).check(harness.pool).allSatisfy(\.held))
        }
    }

    @Test func aTransferLeavesTheSourceIsInTransitAndArrivesOrGoesBackOnce() async throws {
        try await Self.withInventory { harness in
            _ = try await Self.receive(harness, "A", "SH", 10, lot: "L1", expiry: "2099-01-01", cost: 500)
            let started = try await harness.client.send(InventoryCommand.StartTransfer(transfer: "T-1", sku: "A", from: "SH", to: "GZ", quantity: 4))
            #expect(try started.decodeResult(InventoryResult.Transfer.self).status == "in_transit")
            let levels = { () async throws -> [String: Int] in
                var result: [String: Int] = [:]
                for row in try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT warehouse, on_hand FROM \(harness.schema).stock")) {
                    result[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
                }
                return result
            }
            #expect(try await levels() == ["SH": 6])
            let received = try await harness.client.send(InventoryCommand.ReceiveTransfer(transfer: "T-1")).decodeResult(
                InventoryResult.Transfer.self)
            #expect(received.lots == [.init(sku: "A", warehouse: "GZ", lot: "L1", quantity: 4, unitCost: Money(minorUnits: 500, currency: Self.cny))])
            #expect(try await levels() == ["SH": 6, "GZ": 4])
            #expect(try await harness.client.send(InventoryCommand.CancelTransfer(transfer: "T-1")).code == "transfer-closed")

            _ = try await harness.client.send(InventoryCommand.StartTransfer(transfer: "T-2", sku: "A", from: "SH", to: "BJ", quantity: 1))
            _ = try await harness.client.send(InventoryCommand.CancelTransfer(transfer: "T-2"))
            #expect(try await levels() == ["SH": 6, "GZ": 4])
            #expect(
                try await harness.client.send(InventoryCommand.StartTransfer(transfer: "T-2", sku: "A", from: "SH", to: "BJ", quantity: 1)).code
                    == "duplicate-transfer")
            #expect(
                try await harness.client.send(InventoryCommand.StartTransfer(transfer: "T-3", sku: "A", from: "SH", to: "BJ", quantity: 7)).code
                    == "insufficient-stock")
            #expect(
                try await harness.client.send(InventoryCommand.StartTransfer(transfer: "T-4", sku: "A", from: "SH", to: "SH", quantity: 1)).code
                    == "validation")
            #expect(try await harness.client.send(InventoryCommand.ReceiveTransfer(transfer: "T-9")).code == "unknown-transfer")
            #expect(try await StockInvariants(schema: harness.schema).check(harness.pool).allSatisfy(\.held))
        }
    }

    @Test func returnsGoBackToStockOrIntoQuarantine() async throws {
        try await Self.withInventory { harness in
            _ = try await Self.receive(harness, "A", "SH", 2, lot: "L1", cost: 700)
            let sellable = try await harness.client.send(
                InventoryCommand.Return(
                    reference: "RMA-1", sku: "A", warehouse: "SH", lot: "L1", quantity: 1, condition: .sellable))
            #expect(try sellable.decodeResult(InventoryResult.Level.self).onHand == 3)
            let broken = try await harness.client.send(
                InventoryCommand.Return(
                    reference: "RMA-2", sku: "A", warehouse: "SH", lot: "L1", quantity: 1, condition: .quarantine))
            #expect(try broken.decodeResult(InventoryResult.Level.self).onHand == 3)
            let quarantined = try await harness.pool.query(PostgresQuery(unsafeSQL: "SELECT quantity FROM \(harness.schema).quarantine"))
            #expect(try quarantined[0].decode(Int.self, at: 0) == 1)
            let unknownLot = try await harness.client.send(
                InventoryCommand.Return(
                    reference: "RMA-3", sku: "A", warehouse: "SH", lot: "OTHER", quantity: 1, condition: .sellable))
            #expect(unknownLot.code == "unknown-lot")
            #expect(try await StockInvariants(schema: harness.schema).check(harness.pool).allSatisfy(\.held))
        }
    }

    @Test func stockBelowTheMinimumRaisesOneAlertAndOnePurchaseRequestUntilReceived() async throws {
        try await Self.withInventory { harness in
            _ = try await Self.receive(harness, "A", "SH", 10)
            #expect(
                try await harness.client.send(InventoryCommand.SetReorderRule(sku: "A", warehouse: "SH", minimum: 5, maximum: 3)).code == "validation"
            )
            _ = try await harness.client.send(InventoryCommand.SetReorderRule(sku: "A", warehouse: "SH", minimum: 5, maximum: 20))
            _ = try await harness.client.send(InventoryCommand.Reserve(order: "SO-1", lines: [.init(line: 1, sku: "A", quantity: 6)]))
            _ = try await harness.client.send(InventoryCommand.Reserve(order: "SO-2", lines: [.init(line: 1, sku: "A", quantity: 2)]))
            let requests = { () async throws -> [(Int64, Int, String)] in
                try await harness.pool.query(
                    PostgresQuery(unsafeSQL: "SELECT id, quantity, status FROM \(harness.schema).purchase_requests ORDER BY id")
                )
                .map { (try $0.decode(Int64.self, at: 0), try $0.decode(Int.self, at: 1), try $0.decode(String.self, at: 2)) }
            }
            let open = try await requests()
            #expect(open.count == 1)
            #expect(open.first?.1 == 16, "max 20 − projected 4")
            let types = try await harness.outboxTypes()
            let oneLowStockAlert = types.filter { $0 == InventoryEvent.Low.type.rawValue }.count == 1
            #expect(oneLowStockAlert)
            let onePurchaseRequested = types.filter { $0 == InventoryEvent.PurchaseRequested.type.rawValue }.count == 1
            #expect(onePurchaseRequested)

            let receipt = try await harness.client.send(
                InventoryCommand.Receive(
                    sku: "A", warehouse: "SH", lot: "L2", expiry: nil, unitCost: Money(minorUnits: 1, currency: Self.cny), quantity: 16,
                    purchaseRequest: open[0].0))
            #expect(receipt.status == .done, "\(receipt)")
            #expect(try await requests().map(\.2) == ["closed"])
            #expect(try await harness.outboxTypes().contains(InventoryEvent.PurchaseRequestClosed.type.rawValue))
        }
    }
}
