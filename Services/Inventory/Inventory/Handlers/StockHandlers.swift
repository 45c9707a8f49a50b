import Contracts
import Messaging

/// Warehouses, receipts, adjustments, cycle counts, returns and reorder rules.
extension InventoryHandlers {
    func addWarehouse(_ command: InventoryCommand.AddWarehouse, _ context: HandlerContext) async throws -> InventoryResult.Done {
        try Self.require(command.code, "code")
        try Self.require(command.name, "name")
        try Self.require(command.region, "region")
        guard try await store.addWarehouse(code: command.code, name: command.name, region: command.region, in: context.transaction) else {
            throw CommandRefused("duplicate-warehouse", "warehouse '\(command.code)' already exists")
        }
        return InventoryResult.Done()
    }

    func receive(_ command: InventoryCommand.Receive, _ context: HandlerContext) async throws -> InventoryResult.Level {
        try Self.require(command.sku, "sku")
        try Self.require(command.lot, "lot")
        try Self.requirePositive(command.quantity)
        guard command.quantity <= Self.largestQuantity else { throw Self.validation("quantity must be at most \(Self.largestQuantity)") }
        try await requireWarehouse(command.warehouse, context)
        guard try await !store.isRecalled(sku: command.sku, lot: command.lot, in: context.transaction) else {
            throw CommandRefused("recalled-lot", "lot \(command.lot) of \(command.sku) is recalled: receive the goods under another lot")
        }
        // Against a purchase order: its line's price, its number as the reference.
        let ordered = try await receiveAgainstOrder(command, context)
        guard let unitCost = ordered?.unitPrice ?? command.unitCost else {
            throw Self.validation("a unit cost is needed for a receipt that names no purchase order")
        }
        guard !unitCost.isNegative else { throw Self.validation("unit cost \(unitCost) is negative") }
        let reference = ordered?.order ?? command.purchaseReference
        try await store.receive(
            sku: command.sku, warehouse: command.warehouse, lot: command.lot, expiry: command.expiry, unitCost: unitCost,
            quantity: command.quantity, reference: reference ?? command.purchaseRequest.map { "PR-\($0)" }, in: context.transaction)
        try await context.publish(
            event: InventoryEvent.Received(
                sku: command.sku, warehouse: command.warehouse, lot: command.lot, quantity: command.quantity, unitCost: unitCost,
                expiry: command.expiry, purchaseReference: reference, purchaseOrder: ordered?.order, orderLine: ordered?.line,
                supplier: ordered?.supplier))
        if let ordered, let request = ordered.closesRequest,
            let closed = try await reorder.close(
                request: request, sku: command.sku, warehouse: command.warehouse, received: ordered.lineReceived, in: context.transaction)
        {
            try await context.publish(event: closed)
        }
        if let request = command.purchaseRequest {
            guard
                let closed = try await reorder.close(
                    request: request, sku: command.sku, warehouse: command.warehouse, received: command.quantity, in: context.transaction)
            else {
                throw CommandRefused(
                    "unknown-purchase-request", "no open purchase request \(request) for \(command.sku) in \(command.warehouse)")
            }
            try await context.publish(event: closed)
        }
        return try await level(command.sku, command.warehouse, context)
    }

    func adjust(_ command: InventoryCommand.Adjust, _ context: HandlerContext) async throws -> InventoryResult.Adjusted {
        try Self.require(command.sku, "sku")
        try Self.require(command.lot, "lot")
        guard command.delta != 0 else { throw Self.validation("an adjustment of 0 changes nothing") }
        try Self.require(command.reason, "reason")
        try await requireWarehouse(command.warehouse, context)
        let cost: Money
        do {
            switch command.quarantine {
            case nil:
                cost = try await store.adjust(
                    sku: command.sku, warehouse: command.warehouse, lot: command.lot, delta: command.delta, reason: command.reason,
                    in: context.transaction)
            case .restock?:
                guard command.delta > 0 else {
                    throw Self.validation("restocking quarantined units takes a positive delta (units back into the lot)")
                }
                cost = try await store.releaseQuarantine(
                    sku: command.sku, warehouse: command.warehouse, lot: command.lot, quantity: command.delta, disposition: .restock,
                    reason: command.reason, in: context.transaction)
            case .writeOff?:
                guard command.delta < 0 else { throw Self.validation("writing off quarantined units takes a negative delta (units gone)") }
                cost = try await store.releaseQuarantine(
                    sku: command.sku, warehouse: command.warehouse, lot: command.lot, quantity: -command.delta, disposition: .writeOff,
                    reason: command.reason, in: context.transaction)
            }
        } catch let refusal as StockStore.AdjustmentRefusal {
            throw CommandRefused("invalid-adjustment", refusal.reason)
        }
        try await context.publish(
            event: InventoryEvent.Adjusted(
                sku: command.sku, warehouse: command.warehouse, lot: command.lot, delta: command.delta, reason: command.reason, unitCost: cost,
                quarantine: command.quarantine))
        if command.delta < 0 && command.quarantine == nil { try await applyReorderRules([(command.sku, command.warehouse)], context) }
        return InventoryResult.Adjusted(delta: command.delta, level: try await level(command.sku, command.warehouse, context))
    }

    func count(_ command: InventoryCommand.Count, _ context: HandlerContext) async throws -> InventoryResult.Adjusted {
        try Self.require(command.sku, "sku")
        try Self.require(command.lot, "lot")
        try Self.require(command.reference, "reference")
        try await requireWarehouse(command.warehouse, context)
        let delta: Int
        do {
            delta = try await store.count(
                sku: command.sku, warehouse: command.warehouse, lot: command.lot, counted: command.counted,
                countReference: command.reference, in: context.transaction)
        } catch let refusal as StockStore.AdjustmentRefusal {
            throw CommandRefused("invalid-count", refusal.reason)
        }
        if delta != 0 {
            let cost = try await store.lotCost(sku: command.sku, warehouse: command.warehouse, lot: command.lot, in: context.transaction)
            try await context.publish(
                event: InventoryEvent.Adjusted(
                    sku: command.sku, warehouse: command.warehouse, lot: command.lot, delta: delta, reason: "cycle count \(command.reference)",
                    unitCost: cost))
        }
        if delta < 0 { try await applyReorderRules([(command.sku, command.warehouse)], context) }
        return InventoryResult.Adjusted(delta: delta, level: try await level(command.sku, command.warehouse, context))
    }

    func returnStock(_ command: InventoryCommand.Return, _ context: HandlerContext) async throws -> InventoryResult.Level {
        try Self.require(command.reference, "reference")
        try Self.require(command.sku, "sku")
        try Self.require(command.lot, "lot")
        try Self.requirePositive(command.quantity)
        if let cost = command.unitCost, cost.isNegative { throw Self.validation("unit cost \(cost) is negative") }
        try await requireWarehouse(command.warehouse, context)
        let cost: Money, condition: InventoryCommand.ReturnCondition
        do {
            (cost, condition) = try await store.returnToStock(
                reference: command.reference, sku: command.sku, warehouse: command.warehouse, lot: command.lot, quantity: command.quantity,
                condition: command.condition, unitCost: command.unitCost, in: context.transaction)
        } catch let problem as StockStore.ReturnProblem {
            throw CommandRefused("unknown-lot", problem.description)
        }
        try await context.publish(
            event: InventoryEvent.Returned(
                reference: command.reference, sku: command.sku, warehouse: command.warehouse, lot: command.lot, quantity: command.quantity,
                condition: condition, unitCost: cost))
        return try await level(command.sku, command.warehouse, context)
    }

    func setReorderRule(_ command: InventoryCommand.SetReorderRule, _ context: HandlerContext) async throws -> InventoryResult.Level {
        try Self.require(command.sku, "sku")
        try await requireWarehouse(command.warehouse, context)
        let rule: ReorderRule
        do { rule = try ReorderRule(minimum: command.minimum, maximum: command.maximum) } catch {
            throw Self.validation(error.description)
        }
        try await reorder.setRule(sku: command.sku, warehouse: command.warehouse, rule: rule, in: context.transaction)
        try await applyReorderRules([(command.sku, command.warehouse)], context)
        return try await level(command.sku, command.warehouse, context)
    }
}

extension InventoryHandlers {
    /// An order's units coming back: into the lots they were issued from (sellable) or
    /// into quarantine there (damaged); one event per lot.
    func returnOrderStock(_ command: InventoryCommand.ReturnOrderStock, _ context: HandlerContext) async throws -> InventoryResult.OrderStockReturned
    {
        try Self.require(command.order, "order")
        try Self.require(command.reference, "reference")
        guard !command.items.isEmpty else { throw Self.validation("nothing to return") }
        let tx = context.transaction
        guard try await !store.returned(reference: command.reference, in: tx) else {
            throw CommandRefused("already-returned", "units came back under \(command.reference) before")
        }
        var issued = try await store.issuedLots(order: command.order, in: tx)
        var returned: [InventoryResult.OrderStockReturned.Lot] = []
        for item in command.items {
            try Self.require(item.sku, "sku")
            try Self.requirePositive(item.quantity, "quantity of \(item.sku)")
            var left = item.quantity
            for (index, lot) in (issued[item.sku] ?? []).enumerated() where left > 0 && lot.quantity > 0 {
                let taken = min(left, lot.quantity)
                issued[item.sku]![index].quantity -= taken
                left -= taken
                let (cost, condition) = try await store.returnToStock(
                    reference: command.reference, sku: item.sku, warehouse: lot.warehouse, lot: lot.lot, quantity: taken, condition: item.condition,
                    unitCost: nil, order: command.order, in: tx)
                try await context.publish(
                    event: InventoryEvent.Returned(
                        reference: command.reference, sku: item.sku, warehouse: lot.warehouse, lot: lot.lot, quantity: taken, condition: condition,
                        unitCost: cost, order: command.order))
                returned.append(.init(sku: item.sku, warehouse: lot.warehouse, lot: lot.lot, quantity: taken, condition: condition))
            }
            guard left == 0 else {
                throw CommandRefused(
                    "not-issued", "order \(command.order) was issued \(item.quantity - left) fewer units of \(item.sku) than come back")
            }
        }
        return InventoryResult.OrderStockReturned(reference: command.reference, lots: returned)
    }
}
