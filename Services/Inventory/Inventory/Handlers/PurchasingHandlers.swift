import Contracts
import Messaging

/// Suppliers and purchase orders (`purchasing.*` commands). Each validates its command (a
/// refusal names the field and the rule), changes the order through ``PurchasingStore`` in
/// the consumer's transaction, and answers with the order as it now stands.
extension InventoryHandlers {
    /// Bounds that keep every quantity and price far from overflow.
    static let largestQuantity = 1_000_000
    static let largestPack = 100_000
    static let largestUnitPrice: Int64 = 1_000_000_000_000

    func registerPurchasing(in registry: inout MessageHandlers) {
        registry.command(PurchasingCommand.AddSupplier.self, addSupplier)
        registry.command(PurchasingCommand.UpdateSupplier.self, updateSupplier)
        registry.command(PurchasingCommand.SetSupplierItem.self, setSupplierItem)
        registry.command(PurchasingCommand.DraftFromRequests.self, draftFromRequests)
        registry.command(PurchasingCommand.CreateOrder.self, createOrder)
        registry.command(PurchasingCommand.AddLine.self, addLine)
        registry.command(PurchasingCommand.Approve.self) { command, context in
            try await advance(command.order, .approve, to: .approved, context)
        }
        registry.command(PurchasingCommand.Send.self, sendOrder)
        registry.command(PurchasingCommand.Cancel.self, cancelOrder)
        registry.command(PurchasingCommand.Close.self) { command, context in
            try await advance(command.order, .close, to: .closed, context)
        }
    }

    static func requireTerms(_ days: Int, _ field: String) throws {
        guard (0...365).contains(days) else { throw validation("\(field) must be 0 to 365 days (got \(days))") }
    }

    static func requireOptional(_ value: String?, _ field: String) throws {
        if let value { try require(value, field) }
    }

    func addSupplier(_ command: PurchasingCommand.AddSupplier, _ context: HandlerContext) async throws -> PurchasingResult.Done {
        try Self.require(command.code, "code")
        try Self.require(command.name, "name")
        try Self.requireOptional(command.contact, "contact")
        try Self.requireOptional(command.email, "email")
        try Self.requireTerms(command.paymentTermsDays, "payment terms")
        guard try await purchasing.addSupplier(command, in: context.transaction) else {
            throw CommandRefused("duplicate-supplier", "supplier '\(command.code)' already exists")
        }
        return PurchasingResult.Done()
    }

    func updateSupplier(_ command: PurchasingCommand.UpdateSupplier, _ context: HandlerContext) async throws -> PurchasingResult.Done {
        try Self.require(command.code, "code")
        try Self.requireOptional(command.name, "name")
        try Self.requireOptional(command.contact, "contact")
        try Self.requireOptional(command.email, "email")
        if let days = command.paymentTermsDays { try Self.requireTerms(days, "payment terms") }
        guard try await purchasing.updateSupplier(command, in: context.transaction) else {
            throw CommandRefused("unknown-supplier", "no supplier '\(command.code)'")
        }
        return PurchasingResult.Done()
    }

    func requireSupplier(_ code: String, active: Bool = false, _ context: HandlerContext) async throws -> PurchasingStore.Supplier {
        try Self.require(code, "supplier")
        guard let supplier = try await purchasing.supplier(code, in: context.transaction) else {
            throw CommandRefused("unknown-supplier", "no supplier '\(code)'")
        }
        if active && !supplier.active { throw CommandRefused("inactive-supplier", "supplier '\(code)' is inactive") }
        return supplier
    }

    /// A unit price in the supplier's currency, not negative, not absurd.
    static func requirePrice(_ price: Money, of supplier: PurchasingStore.Supplier) throws {
        guard price.currency == supplier.currency else {
            throw validation("price \(price) is not in \(supplier.code)'s currency \(supplier.currency)")
        }
        guard !price.isNegative, price.minorUnits <= largestUnitPrice else { throw validation("price \(price) is negative or too large") }
    }

    func setSupplierItem(_ command: PurchasingCommand.SetSupplierItem, _ context: HandlerContext) async throws -> PurchasingResult.Done {
        let supplier = try await requireSupplier(command.supplier, context)
        try Self.require(command.sku, "sku")
        try Self.requireTerms(command.leadTimeDays, "lead time")
        guard (1...Self.largestQuantity).contains(command.minimumOrder) else {
            throw Self.validation("minimum order must be 1 to \(Self.largestQuantity) (got \(command.minimumOrder))")
        }
        guard (1...Self.largestPack).contains(command.packSize) else {
            throw Self.validation("pack size must be 1 to \(Self.largestPack) (got \(command.packSize))")
        }
        if let price = command.price { try Self.requirePrice(price, of: supplier) }
        try await purchasing.setItem(command, in: context.transaction)
        return PurchasingResult.Done()
    }

    func createOrder(_ command: PurchasingCommand.CreateOrder, _ context: HandlerContext) async throws -> PurchasingResult.Order {
        let supplier = try await requireSupplier(command.supplier, active: true, context)
        try await requireWarehouse(command.warehouse, context)
        let created = try await purchasing.createOrder(
            supplier: supplier, warehouse: command.warehouse, expected: command.expected, in: context.transaction)
        return try await currentOrder(created.number, context)
    }

    func addLine(_ command: PurchasingCommand.AddLine, _ context: HandlerContext) async throws -> PurchasingResult.Order {
        let order = try await requireOrder(command.order, context)
        if let refusal = order.status.refusal(of: .addLine) { throw CommandRefused("wrong-status", "\(command.order): \(refusal)") }
        try Self.require(command.sku, "sku")
        guard (1...Self.largestQuantity).contains(command.quantity) else {
            throw Self.validation("quantity must be 1 to \(Self.largestQuantity) (got \(command.quantity))")
        }
        let supplier = try await requireSupplier(order.result.supplier, context)
        let item = try await purchasing.item(supplier: supplier, sku: command.sku, in: context.transaction)
        guard let price = command.unitPrice ?? item?.lastPrice else {
            throw Self.validation("no unit price given, and \(supplier.code) has no last price for \(command.sku)")
        }
        try Self.requirePrice(price, of: supplier)
        try await purchasing.addLine(
            order: order.id, sku: command.sku, quantity: command.quantity, unitPrice: price, request: nil, in: context.transaction)
        return try await currentOrder(command.order, context)
    }

    func sendOrder(_ command: PurchasingCommand.Send, _ context: HandlerContext) async throws -> PurchasingResult.Order {
        let sent = try await advance(command.order, .send, to: .sent, context)
        let supplier = try await requireSupplier(sent.supplier, context)
        try await context.publish(
            event: PurchasingEvent.OrderSent(
                order: sent.number, supplier: sent.supplier, supplierEmail: supplier.email, warehouse: sent.warehouse, expected: sent.expected,
                lines: sent.lines.map { .init(line: $0.line, sku: $0.sku, quantity: $0.quantity, unitPrice: $0.unitPrice) },
                paymentTermsDays: supplier.paymentTermsDays))
        return sent
    }

    func cancelOrder(_ command: PurchasingCommand.Cancel, _ context: HandlerContext) async throws -> PurchasingResult.Order {
        try Self.require(command.reason, "reason")
        let order = try await requireOrder(command.order, context)
        if let refusal = order.status.refusal(of: .cancel, received: order.received) {
            throw CommandRefused("wrong-status", "\(command.order): \(refusal)")
        }
        try await purchasing.setStatus(order.id, .cancelled, reason: command.reason, in: context.transaction)
        try await context.publish(
            event: PurchasingEvent.OrderCancelled(order: command.order, supplier: order.result.supplier, reason: command.reason))
        return try await currentOrder(command.order, context)
    }

    /// Drafts one order per preferred supplier and warehouse from the uncovered requests.
    func draftFromRequests(_ command: PurchasingCommand.DraftFromRequests, _ context: HandlerContext) async throws -> PurchasingResult.Drafted {
        let requests = try await purchasing.uncoveredRequests(in: context.transaction)
        var orders: [String: (id: Int64, number: String)] = [:]
        var unplaced: [Int64] = []
        for request in requests {
            guard let code = request.supplier, let supplier = try await purchasing.supplier(code, in: context.transaction),
                let item = try await purchasing.item(supplier: supplier, sku: request.sku, in: context.transaction), let price = item.lastPrice
            else {
                unplaced.append(request.id)
                continue
            }
            let key = "\(code)\u{0}\(request.warehouse)"
            let order: (id: Int64, number: String)
            if let drafted = orders[key] {
                order = drafted
            } else {
                order = try await purchasing.createOrder(supplier: supplier, warehouse: request.warehouse, expected: nil, in: context.transaction)
                orders[key] = order
            }
            let quantity = PurchaseQuantity.rounded(request.quantity, minimumOrder: item.minimumOrder, packSize: item.packSize)
            try await purchasing.addLine(
                order: order.id, sku: request.sku, quantity: quantity, unitPrice: price, request: request.id, in: context.transaction)
        }
        if !unplaced.isEmpty {
            context.logger.notice(
                "purchase requests without a preferred supplier with a price stay undrafted", metadata: ["requests": "\(unplaced)"])
        }
        return PurchasingResult.Drafted(orders: orders.values.sorted { $0.id < $1.id }.map(\.number), unplaced: unplaced)
    }

    /// What a receipt against an order line takes from the order.
    struct OrderedReceipt: Sendable {
        let order: String
        let line: Int
        let supplier: String
        let unitPrice: Money
        /// The purchase request its line answered, now received in full.
        let closesRequest: Int64?
        let lineReceived: Int
    }

    /// Checks a receipt against the order line it names and records it on the line, moving
    /// the order to partially received or received; nil for a receipt that names no order.
    func receiveAgainstOrder(_ command: InventoryCommand.Receive, _ context: HandlerContext) async throws -> OrderedReceipt? {
        guard let number = command.purchaseOrder else {
            guard command.orderLine == nil else { throw Self.validation("an order line needs its purchase order") }
            if let reference = command.purchaseReference, try await purchasing.orderExists(reference, in: context.transaction) {
                throw Self.validation("purchase reference \(reference) is a purchase order: receive against its line (purchaseOrder and orderLine)")
            }
            return nil
        }
        guard let lineNumber = command.orderLine else { throw Self.validation("a receipt against \(number) names its order line") }
        let order = try await requireOrder(number, context)
        if let refusal = order.status.refusal(of: .receive) { throw CommandRefused("wrong-status", "\(number): \(refusal)") }
        guard order.result.warehouse == command.warehouse else {
            throw Self.validation("\(number) is delivered to \(order.result.warehouse), not \(command.warehouse)")
        }
        guard let line = order.result.lines.first(where: { $0.line == lineNumber }) else {
            throw Self.validation("\(number) has no line \(lineNumber)")
        }
        guard line.sku == command.sku else { throw Self.validation("line \(lineNumber) of \(number) is \(line.sku), not \(command.sku)") }
        if let cost = command.unitCost, cost != line.unitPrice {
            throw Self.validation("unit cost \(cost) is not the order's price \(line.unitPrice)")
        }
        let after = line.received + command.quantity
        let allowed = line.quantity + line.quantity * receiptTolerancePercent / 100
        guard after <= allowed else {
            throw CommandRefused(
                "over-receipt",
                "line \(lineNumber) of \(number): \(after) units would be received of \(line.quantity) ordered (tolerance \(receiptTolerancePercent)%)"
            )
        }
        try await purchasing.receive(order: order.id, line: lineNumber, quantity: command.quantity, in: context.transaction)
        let lines = order.result.lines.map { (ordered: $0.quantity, received: $0.line == lineNumber ? after : $0.received) }
        let next = PurchaseOrderStatus.afterReceipt(lines: lines)
        if next != order.status { try await purchasing.setStatus(order.id, next, in: context.transaction) }
        let completed = line.received < line.quantity && after >= line.quantity
        return OrderedReceipt(
            order: number, line: lineNumber, supplier: order.result.supplier, unitPrice: line.unitPrice,
            closesRequest: completed ? line.request : nil, lineReceived: after)
    }

    // MARK: - Shared

    func requireOrder(_ number: String, _ context: HandlerContext) async throws -> PurchasingStore.Order {
        try Self.require(number, "order")
        guard let order = try await purchasing.order(number, in: context.transaction) else {
            throw CommandRefused("unknown-order", "no purchase order '\(number)'")
        }
        return order
    }

    func currentOrder(_ number: String, _ context: HandlerContext) async throws -> PurchasingResult.Order {
        try await requireOrder(number, context).result
    }

    /// Moves an order on by `action`, if its state allows it.
    @discardableResult
    func advance(_ number: String, _ action: PurchaseOrderStatus.Action, to next: PurchaseOrderStatus, _ context: HandlerContext)
        async throws -> PurchasingResult.Order
    {
        let order = try await requireOrder(number, context)
        if let refusal = order.status.refusal(of: action, lines: order.result.lines.count, received: order.received) {
            throw CommandRefused("wrong-status", "\(number): \(refusal)")
        }
        try await purchasing.setStatus(order.id, next, in: context.transaction)
        return try await currentOrder(number, context)
    }
}
