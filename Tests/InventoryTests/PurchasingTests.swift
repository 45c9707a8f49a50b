import Contracts
import Foundation
import Inventory
import Messaging
import Postgres
import ServiceTestSupport
import TestSupport
import Testing

/// Suppliers and purchase orders: the state machine and quantity rounding alone, then every
/// command through the real broker and database.
@Suite struct PurchaseOrderRulesTests {
    @Test func anOrderMovesOnlyAlongItsLifecycle() {
        #expect(PurchaseOrderStatus.draft.refusal(of: .addLine) == nil)
        #expect(PurchaseOrderStatus.draft.refusal(of: .approve, lines: 0) == "an order without lines cannot be approved")
        #expect(PurchaseOrderStatus.draft.refusal(of: .approve, lines: 1) == nil)
        #expect(PurchaseOrderStatus.draft.refusal(of: .send) != nil, "sent only once approved")
        #expect(PurchaseOrderStatus.approved.refusal(of: .addLine) != nil, "lines only in draft")
        #expect(PurchaseOrderStatus.approved.refusal(of: .send) == nil)
        #expect(PurchaseOrderStatus.sent.refusal(of: .cancel) == nil)
        #expect(PurchaseOrderStatus.sent.refusal(of: .cancel, received: 3) == "units were received against it: close it instead")
        #expect(PurchaseOrderStatus.partiallyReceived.refusal(of: .cancel, received: 3) != nil)
        #expect(PurchaseOrderStatus.cancelled.refusal(of: .approve) == "the order is cancelled: cannot approve it")
        #expect(PurchaseOrderStatus.partiallyReceived.refusal(of: .approve) == "the order is partially received: cannot approve it")
        #expect(PurchaseOrderStatus.afterReceipt(lines: [(ordered: 10, received: 4)]) == .partiallyReceived)
        #expect(PurchaseOrderStatus.afterReceipt(lines: [(ordered: 10, received: 10)]) == .received)
        #expect(PurchaseOrderStatus.afterReceipt(lines: [(ordered: 10, received: 12), (ordered: 5, received: 3)]) == .partiallyReceived)
        #expect(PurchaseOrderStatus.received.refusal(of: .close) == nil)
        #expect(PurchaseOrderStatus.sent.refusal(of: .close) != nil)
    }

    @Test(arguments: [
        (16, 1, 1, 16), (16, 24, 1, 24), (16, 1, 12, 24), (25, 24, 12, 36), (0, 1, 1, 1), (5, 10, 3, 12),
    ])
    func aQuantityIsRoundedUpToTheMinimumOrderAndWholePacks(wanted: Int, minimum: Int, pack: Int, rounded: Int) {
        #expect(PurchaseQuantity.rounded(wanted, minimumOrder: minimum, packSize: pack) == rounded)
    }
}

@Suite(.timeLimit(.minutes(6))) struct PurchasingServiceTests {
    static let cny = Currency.cny

    static func refusal(_ outcome: CommandOutcome) -> String? { outcome.status == .refused ? "\(outcome.code ?? ""): \(outcome.reason ?? "")" : nil }

    static func addSupplier(_ harness: ServiceHarness, _ code: String, email: String? = nil) async throws {
        let outcome = try await harness.client.send(
            PurchasingCommand.AddSupplier(code: code, name: "Supplier \(code)", email: email, currency: cny, paymentTermsDays: 30))
        #expect(outcome.status == .done, "\(outcome)")
    }

    static func order(_ outcome: CommandOutcome) throws -> PurchasingResult.Order { try outcome.decodeResult(PurchasingResult.Order.self) }

    @Test func badSuppliersAndItemsAreRefusedWithTheRuleTheyBreak() async throws {
        try await InventoryServiceTests.withInventory { harness in
            let client = harness.client
            try await Self.addSupplier(harness, "ACME")
            let duplicate = try await client.send(
                PurchasingCommand.AddSupplier(code: "ACME", name: "Again", currency: Self.cny, paymentTermsDays: 30))
            #expect(Self.refusal(duplicate)?.hasPrefix("duplicate-supplier") == true)
            let terms = try await client.send(PurchasingCommand.AddSupplier(code: "B", name: "B", currency: Self.cny, paymentTermsDays: 400))
            #expect(Self.refusal(terms) == "validation: payment terms must be 0 to 365 days (got 400)")
            let unnamed = try await client.send(PurchasingCommand.AddSupplier(code: "C", name: " ", currency: Self.cny, paymentTermsDays: 0))
            #expect(Self.refusal(unnamed) == "validation: name is empty")
            let unknown = try await client.send(PurchasingCommand.UpdateSupplier(code: "NOPE", name: "x"))
            #expect(Self.refusal(unknown) == "unknown-supplier: no supplier 'NOPE'")

            let usd = try Currency(code: "USD")
            let wrongCurrency = try await client.send(
                PurchasingCommand.SetSupplierItem(supplier: "ACME", sku: "A", leadTimeDays: 7, price: Money(minorUnits: 250, currency: usd)))
            #expect(Self.refusal(wrongCurrency)?.contains("is not in ACME's currency CNY") == true)
            let negative = try await client.send(
                PurchasingCommand.SetSupplierItem(supplier: "ACME", sku: "A", leadTimeDays: 7, price: Money(minorUnits: -1, currency: Self.cny)))
            #expect(Self.refusal(negative)?.contains("negative") == true)
            let hugePack = try await client.send(PurchasingCommand.SetSupplierItem(supplier: "ACME", sku: "A", leadTimeDays: 7, packSize: 1 << 40))
            #expect(Self.refusal(hugePack)?.hasPrefix("validation: pack size must be 1 to 100000") == true)
            let noSupplier = try await client.send(PurchasingCommand.SetSupplierItem(supplier: "NOPE", sku: "A", leadTimeDays: 7))
            #expect(Self.refusal(noSupplier) == "unknown-supplier: no supplier 'NOPE'")

            // One preferred supplier per SKU: naming another moves the preference.
            try await Self.addSupplier(harness, "BETA")
            for supplier in ["ACME", "BETA"] {
                let set = try await client.send(PurchasingCommand.SetSupplierItem(supplier: supplier, sku: "A", leadTimeDays: 7, preferred: true))
                #expect(set.status == .done, "\(set)")
            }
            let preferred = try await harness.pool.query(
                "SELECT supplier FROM \(identifier: harness.schema).supplier_items WHERE sku = 'A' AND preferred"
            ).map { try $0.decode(String.self, at: 0) }
            #expect(preferred == ["BETA"])
        }
    }

    @Test func openRequestsAreDraftedToTheirPreferredSupplierInWholePacksOnce() async throws {
        try await InventoryServiceTests.withInventory { harness in
            let client = harness.client
            try await Self.addSupplier(harness, "ACME")
            let item = try await client.send(
                PurchasingCommand.SetSupplierItem(
                    supplier: "ACME", sku: "A", leadTimeDays: 10, minimumOrder: 20, packSize: 12, price: Money(minorUnits: 250, currency: Self.cny),
                    preferred: true))
            #expect(item.status == .done, "\(item)")
            // Requests for A (ACME's) and B (no supplier).
            for sku in ["A", "B"] {
                _ = try await InventoryServiceTests.receive(harness, sku, "SH", 10)
                _ = try await client.send(InventoryCommand.SetReorderRule(sku: sku, warehouse: "SH", minimum: 5, maximum: 20))
                _ = try await client.send(InventoryCommand.Reserve(order: "SO-\(sku)", lines: [.init(line: 1, sku: sku, quantity: 6)]))
            }
            let drafted = try await client.send(PurchasingCommand.DraftFromRequests()).decodeResult(PurchasingResult.Drafted.self)
            #expect(drafted.orders.count == 1)
            #expect(drafted.unplaced.count == 1, "B has no supplier")
            let number = try #require(drafted.orders.first)
            let order = try await harness.pool.query(
                """
                SELECT o.supplier, o.warehouse, o.status, l.sku, l.quantity, l.unit_price_minor, r.sku AS request_sku, r.purchase_order = o.id AS covered
                FROM \(identifier: harness.schema).purchase_orders o
                JOIN \(identifier: harness.schema).purchase_order_lines l ON l.order_id = o.id
                JOIN \(identifier: harness.schema).purchase_requests r ON r.id = l.request_id
                WHERE o.number = \(number)
                """)
            #expect(order.count == 1)
            #expect(try order[0].decode(String.self, column: "supplier") == "ACME")
            #expect(try order[0].decode(String.self, column: "status") == "draft")
            // Requested 16 (max 20 − 4 available): at least 20, in packs of 12: 24.
            #expect(try order[0].decode(Int.self, column: "quantity") == 24)
            #expect(try order[0].decode(Int64.self, column: "unit_price_minor") == 250)
            #expect(try order[0].decode(Bool.self, column: "covered"))

            let again = try await client.send(PurchasingCommand.DraftFromRequests()).decodeResult(PurchasingResult.Drafted.self)
            #expect(again.orders.isEmpty, "a covered request is not drafted twice")

            // Cancelled, its request is drafted again.
            let cancelled = try await client.send(PurchasingCommand.Cancel(order: number, reason: "wrong supplier terms"))
            #expect(try Self.order(cancelled).status == "cancelled")
            let redrafted = try await client.send(PurchasingCommand.DraftFromRequests()).decodeResult(PurchasingResult.Drafted.self)
            #expect(redrafted.orders.count == 1 && redrafted.orders != [number])
            #expect(try await harness.outboxTypes().contains(PurchasingEvent.OrderCancelled.type.rawValue))
        }
    }

    @Test func anOrderIsApprovedWithLinesSentOnceAndAnnounced() async throws {
        try await InventoryServiceTests.withInventory { harness in
            let client = harness.client
            try await Self.addSupplier(harness, "ACME", email: "orders@acme.example")
            let created = try Self.order(try await client.send(PurchasingCommand.CreateOrder(supplier: "ACME", warehouse: "SH")))
            #expect(created.status == "draft" && created.number.hasPrefix("PO-"))
            let empty = try await client.send(PurchasingCommand.Approve(order: created.number))
            #expect(Self.refusal(empty) == "wrong-status: \(created.number): an order without lines cannot be approved")
            let noPrice = try await client.send(PurchasingCommand.AddLine(order: created.number, sku: "A", quantity: 5))
            #expect(Self.refusal(noPrice) == "validation: no unit price given, and ACME has no last price for A")
            let tooMany = try await client.send(
                PurchasingCommand.AddLine(order: created.number, sku: "A", quantity: 5_000_000, unitPrice: Money(minorUnits: 100, currency: Self.cny))
            )
            #expect(Self.refusal(tooMany)?.hasPrefix("validation: quantity must be 1 to 1000000") == true)
            let line = try await client.send(
                PurchasingCommand.AddLine(order: created.number, sku: "A", quantity: 5, unitPrice: Money(minorUnits: 100, currency: Self.cny)))
            #expect(try Self.order(line).lines.map(\.quantity) == [5])
            let approved = try await client.send(PurchasingCommand.Approve(order: created.number))
            #expect(try Self.order(approved).status == "approved")
            let lateLine = try await client.send(
                PurchasingCommand.AddLine(order: created.number, sku: "B", quantity: 1, unitPrice: Money(minorUnits: 100, currency: Self.cny)))
            #expect(Self.refusal(lateLine) == "wrong-status: \(created.number): the order is approved: cannot add a line to it")
            let sent = try await client.send(PurchasingCommand.Send(order: created.number))
            #expect(try Self.order(sent).status == "sent")
            let twice = try await client.send(PurchasingCommand.Send(order: created.number))
            #expect(Self.refusal(twice) == "wrong-status: \(created.number): the order is sent: cannot send it")
            #expect(try await harness.outboxTypes().contains(PurchasingEvent.OrderSent.type.rawValue))
            // What erpctl purchasing po list / show and supplier list / show print.
            let reports = PurchasingReports(schema: harness.schema)
            let listed = try await reports.orders(status: "sent", supplier: nil, harness.pool)
            let listedNumbers = listed.rows.map { $0.first ?? nil }
            #expect(listedNumbers == [created.number])
            let lines = try await reports.lines(order: created.number, harness.pool)
            #expect(lines.rows.count == 1)
            let amountColumn = try #require(lines.columns.firstIndex(of: "amount_minor"))
            #expect(lines.rows.first?[amountColumn] == "500")
            let suppliers = try await reports.suppliers(includeInactive: false, harness.pool)
            #expect(suppliers.rows.count == 1)
            let unknown = try await client.send(PurchasingCommand.Approve(order: "PO-999999"))
            #expect(Self.refusal(unknown) == "unknown-order: no purchase order 'PO-999999'")
            let inactive = try await client.send(PurchasingCommand.UpdateSupplier(code: "ACME", active: false))
            #expect(inactive.status == .done)
            let toInactive = try await client.send(PurchasingCommand.CreateOrder(supplier: "ACME", warehouse: "SH"))
            #expect(Self.refusal(toInactive) == "inactive-supplier: supplier 'ACME' is inactive")
        }
    }

    @Test func receiptsAgainstAnOrderLineComeInAtItsPriceUpToItsQuantityAndCloseItsRequest() async throws {
        try await InventoryServiceTests.withInventory { harness in
            let client = harness.client
            try await Self.addSupplier(harness, "ACME")
            _ = try await client.send(
                PurchasingCommand.SetSupplierItem(
                    supplier: "ACME", sku: "A", leadTimeDays: 5, packSize: 10, price: Money(minorUnits: 300, currency: Self.cny), preferred: true))
            _ = try await InventoryServiceTests.receive(harness, "A", "SH", 10)
            _ = try await client.send(InventoryCommand.SetReorderRule(sku: "A", warehouse: "SH", minimum: 5, maximum: 20))
            _ = try await client.send(InventoryCommand.Reserve(order: "SO-1", lines: [.init(line: 1, sku: "A", quantity: 6)]))
            let number = try #require(
                try await client.send(PurchasingCommand.DraftFromRequests()).decodeResult(PurchasingResult.Drafted.self).orders.first)
            func receipt(_ quantity: Int, line: Int = 1, sku: String = "A", warehouse: String = "SH", cost: Int64? = nil) -> InventoryCommand.Receive
            {
                InventoryCommand.Receive(
                    sku: sku, warehouse: warehouse, lot: "PO-LOT", expiry: nil, unitCost: cost.map { Money(minorUnits: $0, currency: Self.cny) },
                    quantity: quantity, purchaseOrder: number, orderLine: line)
            }
            let early = try await client.send(receipt(5))
            #expect(Self.refusal(early) == "wrong-status: \(number): the order is draft: cannot receive it")
            _ = try await client.send(PurchasingCommand.Approve(order: number))
            _ = try await client.send(PurchasingCommand.Send(order: number))
            #expect(Self.refusal(try await client.send(receipt(5, line: 9))) == "validation: \(number) has no line 9")
            #expect(Self.refusal(try await client.send(receipt(5, sku: "B"))) == "validation: line 1 of \(number) is A, not B")
            #expect(Self.refusal(try await client.send(receipt(5, warehouse: "GZ"))) == "validation: \(number) is delivered to SH, not GZ")
            #expect(Self.refusal(try await client.send(receipt(5, cost: 999)))?.contains("is not the order's price 3.00 CNY") == true)
            let byReference = try await client.send(
                InventoryCommand.Receive(
                    sku: "A", warehouse: "SH", lot: "X", expiry: nil, unitCost: Money(minorUnits: 300, currency: Self.cny), quantity: 1,
                    purchaseReference: number))
            #expect(
                Self.refusal(byReference)
                    == "validation: purchase reference \(number) is a purchase order: receive against its line (purchaseOrder and orderLine)")
            let noCost = try await client.send(
                InventoryCommand.Receive(sku: "A", warehouse: "SH", lot: "X", expiry: nil, unitCost: nil, quantity: 1))
            #expect(Self.refusal(noCost) == "validation: a unit cost is needed for a receipt that names no purchase order")

            // 20 ordered (16 requested, packs of 10): 12 now, then 9 is one too many, then 8.
            let partial = try await client.send(receipt(12))
            #expect(partial.status == .done, "\(partial)")
            let status = { () async throws -> String in
                try await harness.pool.query("SELECT status FROM \(identifier: harness.schema).purchase_orders WHERE number = \(number)")[0]
                    .decode(String.self, at: 0)
            }
            #expect(try await status() == "partially_received")
            let over = try await client.send(receipt(9))
            #expect(Self.refusal(over) == "over-receipt: line 1 of \(number): 21 units would be received of 20 ordered (tolerance 0%)")
            let rest = try await client.send(receipt(8))
            #expect(rest.status == .done, "\(rest)")
            #expect(try await status() == "received")
            let lot = try await harness.pool.query(
                "SELECT on_hand, unit_cost_minor FROM \(identifier: harness.schema).lots WHERE sku = 'A' AND lot = 'PO-LOT'")[0]
            #expect(try lot.decode(Int.self, at: 0) == 20)
            #expect(try lot.decode(Int64.self, at: 1) == 300, "the order's price is the cost")
            let reference = try await harness.pool.query(
                "SELECT DISTINCT reference FROM \(identifier: harness.schema).movements WHERE lot = 'PO-LOT'"
            ).map { try $0.decode(String.self, at: 0) }
            #expect(reference == [number])
            let requests = try await harness.pool.query("SELECT status FROM \(identifier: harness.schema).purchase_requests").map {
                try $0.decode(String.self, at: 0)
            }
            #expect(requests == ["closed"], "its line received in full closes the request")
            #expect(try await harness.outboxTypes().contains(InventoryEvent.PurchaseRequestClosed.type.rawValue))
            let closed = try await client.send(PurchasingCommand.Close(order: number))
            #expect(try Self.order(closed).status == "closed")

            // erpctl check: the order's received units are its receipts, and a tampered line is named.
            let invariants = StockInvariants(schema: harness.schema)
            let failing = try await invariants.check(harness.pool).filter { !$0.held }
            #expect(failing.isEmpty, "\(failing)")
            try await harness.pool.query("UPDATE \(identifier: harness.schema).purchase_order_lines SET received_quantity = 19")
            let broken = try await invariants.check(harness.pool).filter { !$0.held }
            #expect(broken.map(\.name) == ["every purchase order's received units are its receipts"])
            #expect(broken.first?.violations == ["\(number) A: received 19, receipts 20"])
        }
    }
}
