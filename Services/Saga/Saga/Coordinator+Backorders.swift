import Contracts
import Foundation
import Messaging
import Postgres
import SagaKit

/// Backorders release themselves: an order whose reservation was refused for want of stock
/// waits in the ``BackorderQueue``; whenever stock of one of its SKUs becomes available
/// (goods received, a transfer arrived or went back, a return put back as sellable, a
/// positive adjustment or count, quarantined units restocked, a reservation released), the
/// oldest order waiting for that SKU is released from on_hold, and its fulfilment starts
/// again. The next one is released when it is reserved, cancelled or waits again.
extension Coordinator {
    func registerBackorders(in registry: inout MessageHandlers) {
        registry.on(InventoryEvent.Received.self) { event, context in try await releaseBackorders(skus: [event.sku], context) }
        registry.on(InventoryEvent.Returned.self) { event, context in
            if event.condition == .sellable { try await releaseBackorders(skus: [event.sku], context) }
        }
        registry.on(InventoryEvent.Adjusted.self) { event, context in
            if event.delta > 0 { try await releaseBackorders(skus: [event.sku], context) }
        }
        registry.on(InventoryEvent.TransferChanged.self) { event, context in
            if event.status != "in_transit" { try await releaseBackorders(skus: [event.sku], context) }
        }
        registry.on(InventoryEvent.Released.self) { event, context in
            try await releaseBackorders(skus: event.skus ?? [], context)
        }
    }

    /// The events whose stock may serve a waiting order.
    static let stockArrivals: [MessageType] = [
        InventoryEvent.Received.type, InventoryEvent.Returned.type, InventoryEvent.Adjusted.type, InventoryEvent.TransferChanged.type,
        InventoryEvent.Released.type,
    ]

    /// Releases the oldest order waiting for each of `skus` (if none of them is being tried).
    func releaseBackorders(skus: [String], _ context: HandlerContext) async throws {
        try await releaseBackorders(skus: skus, context.transaction, effects: Self.effects(context), causation: context.envelope.id)
    }

    func releaseBackorders(skus: [String], _ tx: PostgresTransaction, effects: Effects, causation: UUID?) async throws {
        for released in try await backorderQueue.release(skus: skus, in: tx) {
            let command = OrderCommand.ChangeStatus(
                order: released.order, to: released.paid ? OrderStatus.paid : .pendingPayment,
                reason: "stock of \(released.sku) may serve it: released from the backorder queue")
            let envelope = try Envelope(
                command, source: "erp-saga", correlationID: String(released.order), causationID: causation?.uuidString.lowercased(),
                replyTo: replyKey)
            try await backorderQueue.noteRequest(envelope.id, order: released.order, in: tx)
            try await effects.send([Outbox.Entry(envelope, exchange: commandsExchange)])
        }
    }

    /// A release that the orders service refused (the order is no longer on hold, or gone):
    /// the order leaves the queue and the next is released. True if `reply` was one.
    func backorderReleaseAnswered(_ outcome: CommandOutcome, _ context: HandlerContext) async throws -> Bool {
        guard let order = try await backorderQueue.released(byRequest: outcome.commandID, in: context.transaction) else { return false }
        if outcome.status == .refused {
            context.logger.notice(
                "backorder release refused; the order leaves the queue",
                metadata: [
                    "order": "\(order)", "code": "\(outcome.code ?? "-")", "reason": "\(outcome.reason ?? "-")",
                ])
            try await leftBackorders(order: order, context.transaction, effects: Self.effects(context), causation: context.envelope.id)
        }
        return true
    }

    /// A fulfilment that ended for want of stock puts its order in the queue (with
    /// `ERP_SAGA_BACKORDERS=hold`).
    /// With `ERP_BACKORDER_PARTIAL=ship` it also asks what of it is in stock now
    /// (``PartialBackorder``): that part is split off and ships.
    func fulfilmentEnded(_ state: SagaState<Fulfilment.Data>, _ tx: PostgresTransaction, causation: UUID?, effects: Effects) async throws {
        guard state.status == .compensated, state.failure?.code == "insufficient-stock", backorders == .hold else { return }
        let skus = state.data.lines.map(\.sku)
        if try await backorderQueue.wait(order: state.data.order, skus: skus, paid: state.data.paid, in: tx) {
            // Stock came while it was tried (and reserved too early): it goes again at once.
            try await releaseBackorders(skus: skus, tx, effects: effects, causation: causation)
        }
        guard partialBackorders, state.data.lines.count > 1 || state.data.lines.contains(where: { $0.quantity > 1 }) else { return }
        _ = try await start(
            partials, PartialBackorder.Data(order: state.data.order, lines: state.data.lines),
            key: PartialBackorder.key(order: state.data.order, request: state.id), tx, causation: causation, effects: effects)
    }

    /// A released order was reserved, or an order in the queue was cancelled: it leaves the
    /// queue and the next orders waiting for its SKUs are released.
    func leftBackorders(order: Int64, _ tx: PostgresTransaction, effects: Effects, causation: UUID?) async throws {
        let skus = try await backorderQueue.leave(order: order, in: tx)
        guard !skus.isEmpty else { return }
        try await releaseBackorders(skus: skus, tx, effects: effects, causation: causation)
    }
}
