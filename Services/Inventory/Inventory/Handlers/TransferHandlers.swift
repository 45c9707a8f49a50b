import Contracts
import Messaging

/// Transfers between warehouses: start (out of the source, in transit), receive, cancel.
extension InventoryHandlers {
    func startTransfer(_ command: InventoryCommand.StartTransfer, _ context: HandlerContext) async throws -> InventoryResult.Transfer {
        try Self.require(command.transfer, "transfer")
        try Self.require(command.sku, "sku")
        try Self.requirePositive(command.quantity)
        guard command.from != command.to else { throw Self.validation("a transfer needs two different warehouses (both are \(command.from))") }
        try await requireWarehouse(command.from, context)
        try await requireWarehouse(command.to, context)
        let lots: [InventoryResult.IssuedLot]
        do {
            lots = try await store.startTransfer(
                id: command.transfer, sku: command.sku, from: command.from, to: command.to, quantity: command.quantity, today: .today(),
                in: context.transaction)
        } catch let problem as StockStore.TransferProblem {
            throw CommandRefused(Self.code(problem), problem.description)
        }
        try await context.publish(
            event: InventoryEvent.TransferChanged(
                transfer: command.transfer, sku: command.sku, from: command.from, to: command.to, quantity: command.quantity, status: "in_transit"))
        try await applyReorderRules([(command.sku, command.from)], context)
        return InventoryResult.Transfer(transfer: command.transfer, status: "in_transit", lots: lots)
    }

    func finishTransfer(_ transfer: String, received: Bool, _ context: HandlerContext) async throws -> InventoryResult.Transfer {
        try Self.require(transfer, "transfer")
        do {
            let (event, lots) = try await store.finishTransfer(id: transfer, received: received, in: context.transaction)
            try await context.publish(event: event)
            return InventoryResult.Transfer(transfer: transfer, status: event.status, lots: lots)
        } catch let problem as StockStore.TransferProblem {
            throw CommandRefused(Self.code(problem), problem.description)
        }
    }

    static func code(_ problem: StockStore.TransferProblem) -> String {
        switch problem {
        case .duplicate: return "duplicate-transfer"
        case .unknown: return "unknown-transfer"
        case .notInTransit: return "transfer-closed"
        case .insufficient: return "insufficient-stock"
        }
    }
}
