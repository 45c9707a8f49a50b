import Contracts
import Foundation
import Inventory
import Postgres
import TestSupport
import Testing

/// The stock rules against the real database: each test gets its own inventory schema.
@Suite(.timeLimit(.minutes(6))) struct StockStoreTests {
    static func withInventory(_ body: (PostgresPool, StockStore) async throws -> Void) async throws {
        var configuration = try PostgresConfiguration(url: TestEnvironment.databaseURL)
        configuration.applicationName = "erp-inventory-tests"
        let pool = PostgresPool(configuration: configuration, size: 8)
        let schema = TestEnvironment.uniqueName("t_inv")
        try await PostgresMigrator(schema: schema, migrations: InventoryMigrations.all).migrate(pool)
        let store = StockStore(schema: schema)
        try await pool.withTransaction { tx in
            try await store.addWarehouse(code: "SH", name: "Shanghai", region: "east", in: tx)
            try await store.addWarehouse(code: "GZ", name: "Guangzhou", region: "south", in: tx)
        }
        do { try await body(pool, store) } catch {
            _ = try? await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
            await pool.close()
            throw error
        }
        try await pool.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"))
        await pool.close()
    }

    static func receive(_ store: StockStore, _ pool: PostgresPool, sku: String, warehouse: String = "SH", quantity: Int) async throws {
        try await pool.withTransaction { tx in
            try await store.receive(
                sku: sku, warehouse: warehouse, lot: "L1", expiry: nil, unitCost: Money(minorUnits: 1_250, currency: .cny),
                quantity: quantity, reference: "PO-1", in: tx)
        }
    }

    @Test func twoHundredConcurrentReservationsForTheLastTenUnitsReserveExactlyTen() async throws {
        try await Self.withInventory { pool, store in
            try await Self.receive(store, pool, sku: "TEE-RED-M", quantity: 10)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for order in 0..<200 {
                    group.addTask {
                        do {
                            try await pool.withTransaction { tx in
                                try await store.reserve(
                                    order: "SO-\(order)",
                                    lines: [
                                        .init(line: 0, sku: "TEE-RED-M", warehouse: "SH", quantity: 1)
                                    ], in: tx)
                            }
                            return true
                        } catch is StockStore.Refusal {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            let tenReserved = outcomes.filter { $0 }.count == 10
            #expect(tenReserved)
            let hundredNinetyRefused = outcomes.filter { !$0 }.count == 190
            #expect(hundredNinetyRefused)
            let level = try await pool.withTransaction { try await store.level(sku: "TEE-RED-M", warehouse: "SH", in: $0) }
            #expect(level.onHand == 10 && level.reserved == 10 && level.available == 0)
        }
    }

    @Test func anOrderWithTheSameSKUOnTwoLinesIsReservedWholeOrNotAtAll() async throws {
        try await Self.withInventory { pool, store in
            try await Self.receive(store, pool, sku: "MUG", quantity: 5)
            let twoLines: [StockStore.ReservationLine] = [
                .init(line: 0, sku: "MUG", warehouse: "SH", quantity: 3), .init(line: 1, sku: "MUG", warehouse: "SH", quantity: 3),
            ]
            await #expect(throws: StockStore.Refusal(sku: "MUG", warehouse: "SH", wanted: 6, available: 5)) {
                _ = try await pool.withTransaction { tx in try await store.reserve(order: "SO-1", lines: twoLines, in: tx) }
            }
            var level = try await pool.withTransaction { try await store.level(sku: "MUG", warehouse: "SH", in: $0) }
            #expect(level.reserved == 0, "the refused order kept nothing")
            try await Self.receive(store, pool, sku: "MUG", quantity: 1)
            _ = try await pool.withTransaction { tx in try await store.reserve(order: "SO-1", lines: twoLines, in: tx) }
            level = try await pool.withTransaction { try await store.level(sku: "MUG", warehouse: "SH", in: $0) }
            #expect(level.reserved == 6 && level.available == 0)
        }
    }

    @Test func ordersTouchingTheSameSKUsInOppositeOrdersAllSucceed() async throws {
        try await Self.withInventory { pool, store in
            try await Self.receive(store, pool, sku: "A", quantity: 100)
            try await Self.receive(store, pool, sku: "B", quantity: 100)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for order in 0..<40 {
                    let lines: [StockStore.ReservationLine] =
                        order % 2 == 0
                        ? [.init(line: 0, sku: "A", warehouse: "SH", quantity: 1), .init(line: 1, sku: "B", warehouse: "SH", quantity: 1)]
                        : [.init(line: 0, sku: "B", warehouse: "SH", quantity: 1), .init(line: 1, sku: "A", warehouse: "SH", quantity: 1)]
                    group.addTask {
                        _ = try await pool.withTransaction { tx in try await store.reserve(order: "SO-\(order)", lines: lines, in: tx) }
                    }
                }
                try await group.waitForAll()
            }
            let a = try await pool.withTransaction { try await store.level(sku: "A", warehouse: "SH", in: $0) }
            let b = try await pool.withTransaction { try await store.level(sku: "B", warehouse: "SH", in: $0) }
            #expect(a.reserved == 40 && b.reserved == 40)
        }
    }

    @Test func theDatabaseItselfRefusesReservedAboveOnHandOrNegativeStock() async throws {
        try await Self.withInventory { pool, store in
            try await Self.receive(store, pool, sku: "X", quantity: 2)
            await #expect {
                try await pool.query(PostgresQuery(unsafeSQL: "UPDATE \(store.schema).stock SET reserved = 3 WHERE sku = 'X'"))
            } throws: { error in
                (error as? PostgresError)?.constraint == "stock_reserved_within_on_hand"
            }
            await #expect {
                try await pool.query(PostgresQuery(unsafeSQL: "UPDATE \(store.schema).stock SET on_hand = -1, reserved = 0 WHERE sku = 'X'"))
            } throws: { error in
                (error as? PostgresError)?.sqlState == "23514"
            }
        }
    }

    @Test func theLedgerRecordsEveryChangeAndCannotBeRewritten() async throws {
        try await Self.withInventory { pool, store in
            try await Self.receive(store, pool, sku: "Y", quantity: 7)
            try await pool.withTransaction { tx in
                try await store.reserve(order: "SO-9", lines: [.init(line: 0, sku: "Y", warehouse: "SH", quantity: 4)], in: tx)
            }
            let ledger = try await pool.query(PostgresQuery(unsafeSQL: "SELECT kind, quantity, reference FROM \(store.schema).movements ORDER BY id"))
            let ledgerKindsInOrder = try ledger.map { try $0.decode(String.self, column: "kind") } == ["receipt", "reservation"]
            #expect(ledgerKindsInOrder)
            let ledgerQuantitiesInOrder = try ledger.map { try $0.decode(Int.self, column: "quantity") } == [7, 4]
            #expect(ledgerQuantitiesInOrder)
            try await pool.query(PostgresQuery(unsafeSQL: "UPDATE \(store.schema).movements SET quantity = 1000"))
            try await pool.query(PostgresQuery(unsafeSQL: "DELETE FROM \(store.schema).movements"))
            let after = try await pool.query(PostgresQuery(unsafeSQL: "SELECT sum(quantity)::int FROM \(store.schema).movements"))[0]
            #expect(try after.decode(Int.self, at: 0) == 11, "updates and deletes of the ledger do nothing")
        }
    }

    @Test func releasingAnOrderMakesItsUnitsAvailableAgainOnce() async throws {
        try await Self.withInventory { pool, store in
            try await Self.receive(store, pool, sku: "Z", quantity: 5)
            try await pool.withTransaction { tx in
                try await store.reserve(order: "SO-1", lines: [.init(line: 0, sku: "Z", warehouse: "SH", quantity: 4)], in: tx)
            }
            let firstReleaseFreesFour = try await pool.withTransaction { try await store.release(order: "SO-1", in: $0) }.units == 4
            #expect(firstReleaseFreesFour)
            let secondReleaseFreesNothing = try await pool.withTransaction { try await store.release(order: "SO-1", in: $0) }.units == 0
            #expect(secondReleaseFreesNothing, "a second release does nothing")
            let level = try await pool.withTransaction { try await store.level(sku: "Z", warehouse: "SH", in: $0) }
            #expect(level.onHand == 5 && level.reserved == 0)
        }
    }

    @Test func issuingShipsFromTheLotsThatExpireFirstAtTheirCost() async throws {
        try await Self.withInventory { pool, store in
            let day: TimeInterval = 86_400
            let today = Date(timeIntervalSince1970: 1_796_000_000)
            try await pool.withTransaction { tx in
                for (lot, expiresIn, cost, quantity) in [("LATE", 90.0, 1_000, 5), ("SOON", 10.0, 1_200, 3), ("GONE", -1.0, 900, 50)] {
                    try await store.receive(
                        sku: "MILK", warehouse: "SH", lot: lot, expiry: BusinessDate(utcDayOf: today.addingTimeInterval(expiresIn * day)),
                        unitCost: Money(minorUnits: Int64(cost), currency: .cny), quantity: quantity, reference: "PO-7", in: tx)
                }
                try await store.reserve(order: "SO-5", lines: [.init(line: 0, sku: "MILK", warehouse: "SH", quantity: 6)], in: tx)
            }
            let issued = try await pool.withTransaction { try await store.issue(order: "SO-5", today: BusinessDate(utcDayOf: today), in: $0) }
            #expect(issued.map(\.lot) == ["SOON", "LATE"])
            #expect(issued.map(\.quantity) == [3, 3])
            let cost = try Money.sum(issued.map { try $0.unitCost.times($0.quantity) }, currency: .cny)
            #expect(cost == Money(minorUnits: 3 * 1_200 + 3 * 1_000, currency: .cny))
            let level = try await pool.withTransaction { try await store.level(sku: "MILK", warehouse: "SH", in: $0) }
            #expect(level.onHand == 52 && level.reserved == 0)
            let lots = try await pool.query(PostgresQuery(unsafeSQL: "SELECT lot, on_hand FROM \(store.schema).lots ORDER BY lot"))
            let lotBalancesAfterIssue =
                try lots.map { "\(try $0.decode(String.self, at: 0))=\(try $0.decode(Int.self, at: 1))" } == ["GONE=50", "LATE=2", "SOON=0"]
            #expect(lotBalancesAfterIssue)
            // The ledger adds up to what is on hand.
            let onHand = try await pool.query(
                PostgresQuery(
                    unsafeSQL: "SELECT sum(quantity)::int FROM \(store.schema).movements WHERE kind IN ('receipt', 'issue')"))[0]
            #expect(try onHand.decode(Int.self, at: 0) == 52)
        }
    }

    @Test func anIssueThatOnlyExpiredLotsCouldCoverIsRefusedAndChangesNothing() async throws {
        try await Self.withInventory { pool, store in
            let today = Date(timeIntervalSince1970: 1_796_000_000)
            try await pool.withTransaction { tx in
                try await store.receive(
                    sku: "EGG", warehouse: "SH", lot: "OLD", expiry: BusinessDate(utcDayOf: today.addingTimeInterval(-86_400)),
                    unitCost: Money(minorUnits: 100, currency: .cny), quantity: 4, reference: nil, in: tx)
                try await store.reserve(order: "SO-6", lines: [.init(line: 0, sku: "EGG", warehouse: "SH", quantity: 2)], in: tx)
            }
            await #expect(throws: FEFO.Problem.insufficient(wanted: 2, available: 0)) {
                _ = try await pool.withTransaction { try await store.issue(order: "SO-6", today: BusinessDate(utcDayOf: today), in: $0) }
            }
            let level = try await pool.withTransaction { try await store.level(sku: "EGG", warehouse: "SH", in: $0) }
            #expect(level.onHand == 4 && level.reserved == 2, "the reservation stands")
        }
    }

    @Test func adjustmentsNeedAReasonAndCannotGoBelowZeroOrBelowWhatIsReserved() async throws {
        try await Self.withInventory { pool, store in
            try await Self.receive(store, pool, sku: "V", quantity: 5)
            try await pool.withTransaction { tx in
                try await store.reserve(order: "SO-1", lines: [.init(line: 0, sku: "V", warehouse: "SH", quantity: 3)], in: tx)
                try await store.adjust(sku: "V", warehouse: "SH", lot: "L1", delta: -2, reason: "damaged in storage", in: tx)
            }
            await #expect(throws: StockStore.AdjustmentRefusal.self) {
                try await pool.withTransaction { tx in
                    try await store.adjust(sku: "V", warehouse: "SH", lot: "L1", delta: -1, reason: "lost", in: tx)
                }
            }
            await #expect(throws: StockStore.AdjustmentRefusal.self) {
                try await pool.withTransaction { tx in
                    try await store.adjust(sku: "V", warehouse: "SH", lot: "L1", delta: 1, reason: "  ", in: tx)
                }
            }
            await #expect(throws: StockStore.AdjustmentRefusal.self) {
                try await pool.withTransaction { tx in
                    try await store.adjust(sku: "V", warehouse: "SH", lot: "NOPE", delta: 1, reason: "found", in: tx)
                }
            }
            let level = try await pool.withTransaction { try await store.level(sku: "V", warehouse: "SH", in: $0) }
            #expect(level.onHand == 3 && level.reserved == 3)
        }
    }

    @Test func aCycleCountTurnsTheDifferenceIntoAnAdjustment() async throws {
        try await Self.withInventory { pool, store in
            try await Self.receive(store, pool, sku: "W", quantity: 10)
            let firstCountAdjustsByMinusTwo =
                try await pool.withTransaction {
                    try await store.count(sku: "W", warehouse: "SH", lot: "L1", counted: 8, countReference: "CC-1", in: $0)
                } == -2
            #expect(firstCountAdjustsByMinusTwo)
            let secondCountFindsNoDifference =
                try await pool.withTransaction {
                    try await store.count(sku: "W", warehouse: "SH", lot: "L1", counted: 8, countReference: "CC-2", in: $0)
                } == 0
            #expect(secondCountFindsNoDifference)
            await #expect(throws: StockStore.AdjustmentRefusal.self) {
                _ = try await pool.withTransaction {
                    try await store.count(sku: "W", warehouse: "SH", lot: "L1", counted: -1, countReference: "CC-3", in: $0)
                }
            }
            let level = try await pool.withTransaction { try await store.level(sku: "W", warehouse: "SH", in: $0) }
            #expect(level.onHand == 8)
        }
    }

    @Test func theInvariantsHoldAfterEveryKindOfChangeAndABrokenOneIsNamed() async throws {
        try await Self.withInventory { pool, store in
            let today = Date(timeIntervalSince1970: 1_796_000_000)
            try await Self.receive(store, pool, sku: "A", quantity: 10)
            try await Self.receive(store, pool, sku: "B", warehouse: "GZ", quantity: 4)
            try await pool.withTransaction { tx in
                try await store.reserve(order: "SO-1", lines: [.init(line: 0, sku: "A", warehouse: "SH", quantity: 3)], in: tx)
                try await store.reserve(
                    order: "SO-2",
                    lines: [
                        .init(line: 0, sku: "A", warehouse: "SH", quantity: 2),
                        .init(line: 1, sku: "B", warehouse: "GZ", quantity: 1),
                    ], in: tx)
                try await store.adjust(sku: "A", warehouse: "SH", lot: "L1", delta: -1, reason: "damaged", in: tx)
            }
            _ = try await pool.withTransaction { try await store.issue(order: "SO-1", today: BusinessDate(utcDayOf: today), in: $0) }
            _ = try await pool.withTransaction { try await store.release(order: "SO-2", in: $0) }
            let invariants = StockInvariants(schema: store.schema)
            let results = try await invariants.check(pool)
            #expect(results.count == 8)
            let failing = results.filter { !$0.held }
            #expect(failing.isEmpty, "\(failing)")

            // Tamper with the totals behind the store's back: the check names what broke.
            try await pool.query(PostgresQuery(unsafeSQL: "UPDATE \(store.schema).stock SET on_hand = on_hand + 1 WHERE sku = 'B'"))
            let broken = try await invariants.check(pool).filter { !$0.held }
            #expect(broken.map(\.name) == ["on hand equals the sum of its lots", "on hand equals the ledger"])
            #expect(broken.first?.violations == ["B@GZ: stock 5, lots 4"])
        }
    }
}
