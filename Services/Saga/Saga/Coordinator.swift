import Contracts
import Foundation
import Messaging
import Postgres
import SagaKit

/// Runs every saga type: decodes a saga's row by its type, asks its engine what the input
/// means, saves the new state and queues the commands in the same transaction, and when a
/// saga ends, does what follows from it (a completed split or merge hands its orders to
/// new fulfilments). Where each message is handled: ``register(in:)`` (events and replies)
/// and ``registerRequests(in:)`` in `Coordinator+Requests.swift` (operators' requests).
struct Coordinator: Sendable {
    let store: SagaStore
    let fulfilment: SagaEngine<Fulfilment.Data>
    let returns: SagaEngine<Return.Data>
    let exchange: SagaEngine<Exchange.Data>
    let split = SagaEngine(Split.definition)
    let merge = SagaEngine(Merge.definition)
    let shipments = SagaEngine(ShipmentIssue.definition)
    let partials = SagaEngine(PartialBackorder.definition)
    let amendments = SagaEngine(Amendment.definition)
    let repairs = SagaEngine(Repair.definition())
    let resends = SagaEngine(Resend.definition)
    /// Zero: orders are not merged automatically.
    let mergeWindow: Duration
    /// What this coordinator wrote, decoded (see ``SagaStateCache``).
    let states = SagaStateCache()
    let replyKey: String
    let commandsExchange: String
    /// Where the coordinator's own events go (``SagaEvent/Stuck``).
    var eventsExchange = Exchanges.events
    /// What a reservation refused for want of stock does (the queue is used with `hold`).
    var backorders: Fulfilment.Backorders = .hold
    /// `ERP_BACKORDER_PARTIAL=ship`: the part of a backorder that is in stock is split off and ships.
    var partialBackorders = false
    /// When deadlines fall due (a test moves a manual clock past them).
    var clock: any SagaClock = SystemSagaClock()
    var backorderQueue: BackorderQueue { BackorderQueue(schema: store.schema) }

    /// The order states a saga waits for (payment, shipment, delivery) or stops at (cancellation):
    /// the coordinator's queue is bound to changes into these, and to changes out of on_hold.
    static let awaitedStatuses: Set<OrderStatus> = [.paid, .shipped, .delivered, .cancelled]

    /// Where the commands and events of a transaction go: a handler's outbox, or the timer's.
    typealias Send = @Sendable ([Outbox.Entry]) async throws -> Void

    /// What a transaction's saga steps cause besides their rows: the commands and events to
    /// send, and (inside a handler) what to do once it committed: the states written then
    /// enter ``states``. The timer has no such hook: what it writes is read from the rows.
    struct Effects: Sendable {
        let send: Send
        let afterCommit: (@Sendable (@escaping @Sendable () -> Void) -> Void)?
    }

    func register(in registry: inout MessageHandlers) {
        registry.on(OrderEvent.Placed.self) { event, context in
            // Kept for an order that waits (it starts when it leaves on_hold) and for merging by window.
            if event.snapshot.status == .onHold || mergeWindow > .zero { try await store.rememberOrder(event.snapshot, in: context.transaction) }
            guard [.paid, .pendingPayment].contains(event.snapshot.status) else { return }
            var data = Fulfilment.Data(event.snapshot)
            if mergeWindow > .zero { data.mergeHold = true }
            try await startFulfilment(data, context.transaction, causation: context.envelope.id, effects: Self.effects(context))
            try await mergeWithinWindow(event.snapshot, context)
        }
        registry.on(OrderEvent.StatusChanged.self) { event, context in
            // An order that waited on hold (say for a SKU the catalog lacked) starts its fulfilment now.
            if event.from == .onHold, [.paid, .pendingPayment].contains(event.to), let data = try await resumedFulfilment(event, context) {
                try await restartFulfilment(data, context)
            }
            // A cancelled order no longer waits for stock.
            if event.to == .cancelled {
                try await leftBackorders(order: event.order, context.transaction, effects: Self.effects(context), causation: context.envelope.id)
            }
            // A change out of on_hold into another state matters to no waiting saga.
            guard Self.awaitedStatuses.contains(event.to) else { return }
            try await store.lockOrder(event.order, in: context.transaction)
            let waiting = try await store.waiting(keyPrefix: "order:\(event.order):", in: context.transaction)
            // No saga waits for it yet (a merged or split order paid before its fulfilment started): kept for that fulfilment.
            if waiting.isEmpty { try await store.keepUnclaimed(order: event.order, payload: context.envelope.payload, in: context.transaction) }
            for row in waiting {
                try await advance(row, input: Self.input(event, payload: context.envelope.payload), context)
            }
        }
        // An order changed (lines, address): kept as it now stands, so that a fulfilment that
        // starts again (the order leaves on_hold) reserves and allocates what it is now.
        // A new shipping region before allocation chooses the warehouse again.
        registry.on(OrderEvent.Changed.self) { event, context in
            let shipping = event.what.contains("shipping_address") || event.what.contains("shipping")
            guard event.what.contains("lines") || shipping else { return }
            try await store.rememberOrder(event.snapshot, in: context.transaction)
            if shipping { try await regionChanged(event.snapshot, context) }
        }
        // A parcel a warehouse confirmed issues its own stock.
        registry.on(OrderEvent.Shipped.self) { event, context in
            guard let warehouse = event.warehouse else {
                throw PermanentMessageError(
                    "validation", "shipment \(event.shipment) of order \(event.order) names no warehouse to issue its stock from")
            }
            try await start(
                shipments, ShipmentIssue.Data(order: event.order, shipment: event.shipment, warehouse: warehouse, lines: event.lines),
                key: ShipmentIssue.key(order: event.order, shipment: event.shipment), context)
        }
        // A return asked for on a platform (intake matched it to the order); its RMA is the platform's.
        registry.on(OrderEvent.ReturnRequested.self) { event, context in
            try await start(
                returns, Return.Data(order: event.order, rma: event.rma, lines: event.lines, kind: event.kind, reason: event.reason),
                key: Return.key(order: event.order, rma: event.rma), context)
        }
        // A repair ticket resolved: the repair of its order goes on.
        registry.on(CRMEvent.RepairDecided.self) { event, context in
            let body = SagaPayload(json: context.envelope.payload)
            for row in try await store.waiting(keyPrefix: "order:\(event.order):repair:", in: context.transaction) {
                try await advance(row, input: .event(type: CRMEvent.RepairDecided.type, body: body), context)
            }
        }
        registry.on(OrderEvent.ReturnInspected.self) { event, context in
            let body = SagaPayload(json: context.envelope.payload)
            // The return or exchange of this RMA.
            for row in try await store.waiting(keyPrefix: "order:\(event.order):", in: context.transaction) {
                try await advance(row, input: .event(type: OrderEvent.ReturnInspected.type, body: body), context)
            }
        }
        // A reply is matched to the one request its saga waits for: a repeat finds none (no inbox needed).
        // Its result is left as it came, for the step to decode into its own type.
        registry.onIdempotent(CommandOutcome.WithoutResult.self) { reply, context in
            guard let row = try await store.byRequest(reply.outcome.commandID, in: context.transaction) else {
                _ = try await backorderReleaseAnswered(reply.outcome, context)
                return  // stale or not ours
            }
            let result = reply.hasResult ? SagaPayload(json: context.envelope.payload, key: "result") : nil
            try await advance(row, input: .reply(requestID: reply.outcome.commandID, outcome: reply.outcome, result: result), context)
        }
        registerRequests(in: &registry)
        registerBackorders(in: &registry)
        registerAmendments(in: &registry)
    }

    /// With automatic merging on: an order of a customer whose earlier order to the same
    /// address, shop and currency is still held in the merge window is merged with it.
    func mergeWithinWindow(_ order: OrderSnapshot, _ context: HandlerContext) async throws {
        guard mergeWindow > .zero,
            let partner = try await store.heldForMerging(like: order, within: mergeWindow, in: context.transaction)
        else { return }
        let orders = [partner, order.order]
        try await start(
            merge, Merge.Data(orders: orders, reason: "placed within \(mergeWindow.components.seconds) s of each other"),
            key: Merge.key(orders: orders, request: context.envelope.id), context)
    }

    // MARK: - Running sagas

    /// Starts a saga unless one with `key` exists.
    @discardableResult
    func start<D>(_ engine: SagaEngine<D>, _ data: D, key: String, _ context: HandlerContext) async throws -> SagaState<D> {
        try await start(engine, data, key: key, context.transaction, causation: context.envelope.id, effects: Self.effects(context))
    }

    @discardableResult
    func start<D>(_ engine: SagaEngine<D>, _ data: D, key: String, _ tx: PostgresTransaction, causation: UUID?, effects: Effects) async throws
        -> SagaState<D>
    {
        let (state, actions) = try engine.start(id: .random(), data: data, now: clock.now)
        guard try await store.insert(state, key: key, in: tx) else { return state }  // started before
        remember(state, effects)
        try await effects.send(try entries(actions, saga: state.id, causation: causation))
        try await finished(state, tx, causation: causation, effects: effects)
        return state
    }

    /// A fulfilment for an order that had one before (it was compensated: the order went on
    /// hold and now goes on): the old saga's key is given to the new one.
    /// What a fulfilment starts from when its order leaves on_hold: the data of the one it
    /// had (put on hold as a backorder), or the order as placed (it was placed on hold).
    func resumedFulfilment(_ event: OrderEvent.StatusChanged, _ context: HandlerContext) async throws -> Fulfilment.Data? {
        if let old = try await store.byKey(Fulfilment.key(order: event.order), in: context.transaction), old.status == "compensated" {
            var data = try MessageCoding.decoder().decode(SagaState<Fulfilment.Data>.self, from: old.state).data
            (data.reservations, data.deliveryAssumed, data.shipLate, data.mergeHold) = ([], nil, nil, nil)
            // Its lines or address changed while it waited: it goes on as it now stands.
            if let current = try await store.order(event.order, in: context.transaction) {
                let now = Fulfilment.Data(current)
                (data.lines, data.region, data.total) = (now.lines, now.region, now.total)
            }
            // Paid or not as it resumes (an amendment while it waited may have left money owing).
            data.paid = event.to == .paid
            data.fromBackorder = try await backorderQueue.contains(order: event.order, in: context.transaction) ? true : nil
            return data
        }
        guard var snapshot = try await store.order(event.order, in: context.transaction) else { return nil }
        snapshot.status = event.to
        return Fulfilment.Data(snapshot)
    }

    func restartFulfilment(_ data: Fulfilment.Data, _ context: HandlerContext) async throws {
        let key = Fulfilment.key(order: data.order)
        try await store.retireKey(key, ifStatusIn: ["compensated"], in: context.transaction)
        try await start(fulfilment, data, key: key, context)
    }

    /// Advances the saga of `row` by `input`; returns its status after.
    @discardableResult
    func advance(_ row: SagaStore.Row, input: SagaInput, _ context: HandlerContext) async throws -> String {
        try await advance(row, input: input, context.transaction, causation: context.envelope.id, effects: Self.effects(context))
    }

    @discardableResult
    func advance(_ row: SagaStore.Row, input: SagaInput, _ tx: PostgresTransaction, causation: UUID?, effects: Effects) async throws -> String {
        switch row.type {
        case Fulfilment.type: return try await advance(fulfilment, row, input, tx, causation: causation, effects: effects)
        case Split.type: return try await advance(split, row, input, tx, causation: causation, effects: effects)
        case Merge.type: return try await advance(merge, row, input, tx, causation: causation, effects: effects)
        case Return.type: return try await advance(returns, row, input, tx, causation: causation, effects: effects)
        case Exchange.type: return try await advance(exchange, row, input, tx, causation: causation, effects: effects)
        case ShipmentIssue.type: return try await advance(shipments, row, input, tx, causation: causation, effects: effects)
        case PartialBackorder.type: return try await advance(partials, row, input, tx, causation: causation, effects: effects)
        case Amendment.type: return try await advance(amendments, row, input, tx, causation: causation, effects: effects)
        case Repair.type: return try await advance(repairs, row, input, tx, causation: causation, effects: effects)
        case Resend.type: return try await advance(resends, row, input, tx, causation: causation, effects: effects)
        default: throw SagaTypeError(type: row.type)
        }
    }

    private func advance<D>(
        _ engine: SagaEngine<D>, _ row: SagaStore.Row, _ input: SagaInput, _ tx: PostgresTransaction, causation: UUID?, effects: Effects
    ) async throws -> String {
        let state =
            try states.state(row.id, version: row.version, as: SagaState<D>.self)
            ?? MessageCoding.decoder().decode(SagaState<D>.self, from: row.state)
        let (next, actions) = try engine.handle(input, state: state, now: clock.now)
        guard next != state else { return state.status.rawValue }
        try await store.save(next, dataChanged: next.data != state.data, in: tx)
        remember(next, effects)
        if let before = state as? SagaState<Fulfilment.Data>, let after = next as? SagaState<Fulfilment.Data>, after.data.fromBackorder == true,
            before.data.reservations.isEmpty, !after.data.reservations.isEmpty
        {
            // A released backorder is reserved: the next order waiting for its SKUs may go.
            try await leftBackorders(order: after.data.order, tx, effects: effects, causation: causation)
        }
        if let before = state as? SagaState<Amendment.Data>, let after = next as? SagaState<Amendment.Data>, !before.data.inEffect,
            after.data.inEffect
        {
            try await amendmentInEffect(after.data, tx, effects: effects)
        }
        if let before = state as? SagaState<Amendment.Data>, let after = next as? SagaState<Amendment.Data>, before.data.open == nil,
            let open = after.data.open
        {
            // What it owes is known before the order hears of it: a release of it from the
            // backorder queue from now on asks for the right status.
            try await backorderQueue.notePaid(order: after.data.order, paid: open.minorUnits <= 0, in: tx)
        }
        try await effects.send(try entries(actions, saga: next.id, causation: causation))
        if state.status != next.status { try await finished(next, tx, causation: causation, effects: effects) }
        return next.status.rawValue
    }

    /// What follows when a saga ends: a completed split or merge stops the fulfilments of
    /// the orders it replaced and starts one for each new order (the reservation moved to it
    /// is found again by its reserve step).
    private func finished<D>(_ state: SagaState<D>, _ tx: PostgresTransaction, causation: UUID?, effects: Effects) async throws {
        if state.status == .stuck { try await announceStuck(state, tx, causation: causation, effects: effects) }
        if let fulfilment = state as? SagaState<Fulfilment.Data> { try await fulfilmentEnded(fulfilment, tx, causation: causation, effects: effects) }
        guard state.status == .completed else { return }
        if let amendment = state as? SagaState<Amendment.Data> {
            try await amendmentCompleted(amendment.data, tx, effects: effects, causation: causation)
            return
        }
        if let partial = state as? SagaState<PartialBackorder.Data> {
            // Part of the backorder is in stock: it is split off (the split hands both parts new fulfilments).
            guard let split = PartialBackorder.split(partial.data) else { return }
            try await store.retireKey(Split.key(order: split.order), ifStatusIn: ["compensated"], in: tx)
            _ = try await start(self.split, split, key: Split.key(order: split.order), tx, causation: causation, effects: effects)
            return
        }
        let replaced: [Int64], made: [OrderSnapshot]
        if let split = state as? SagaState<Split.Data> {
            (replaced, made) = ([split.data.order], split.data.children)
            // The parent no longer waits for stock; its children do, if at all.
            _ = try await backorderQueue.leave(order: split.data.order, in: tx)
        } else if let merge = state as? SagaState<Merge.Data>, let merged = merge.data.merged {
            (replaced, made) = (merge.data.orders, [merged])
        } else {
            return
        }
        let names = made.map { String($0.order) }.joined(separator: ", ")
        for order in replaced {
            if let old = try await store.byKey(Fulfilment.key(order: order), in: tx), old.status == "waiting" {
                try await advance(
                    old, input: .supersede(reason: "order \(order) became \(names) (\(state.type))"), tx, causation: causation, effects: effects)
            }
        }
        for order in made {
            if mergeWindow > .zero { try await store.rememberOrder(order, in: tx) }
            try await startFulfilment(Fulfilment.Data(order), tx, causation: causation, effects: effects)
        }
    }

    /// What a status change means to a saga that waits for its order: an abort when a person
    /// or platform cancelled it, else the event.
    static func input(_ event: OrderEvent.StatusChanged, payload: Data) -> SagaInput {
        event.to == .cancelled && !event.actor.hasPrefix("erp-saga")
            ? .abort(reason: event.reason) : .event(type: OrderEvent.StatusChanged.type, body: SagaPayload(json: payload))
    }

    /// Starts an order's fulfilment (unless it has one) and hands it the status changes of the
    /// order that came before it started (``SagaStore/keepUnclaimed(order:payload:in:)``).
    func startFulfilment(_ data: Fulfilment.Data, _ tx: PostgresTransaction, causation: UUID?, effects: Effects) async throws {
        let key = Fulfilment.key(order: data.order)
        try await store.lockOrder(data.order, in: tx)
        _ = try await start(fulfilment, data, key: key, tx, causation: causation, effects: effects)
        for payload in try await store.claimUnclaimed(order: data.order, in: tx) {
            guard let row = try await store.byKey(key, in: tx), row.status == "waiting" else { break }
            let event = try MessageCoding.decoder().decode(OrderEvent.StatusChanged.self, from: payload)
            try await advance(row, input: Self.input(event, payload: payload), tx, causation: causation, effects: effects)
        }
    }

    /// Keeps a state written in this transaction once it commits; outside a handler, drops
    /// what was kept of it.
    func remember<D>(_ state: SagaState<D>, _ effects: Effects) {
        guard let afterCommit = effects.afterCommit else {
            states.forget(state.id)
            return
        }
        var kept = state
        kept.history = []  // a state read from its row has none
        let states = self.states
        afterCommit { [kept] in states.remember(kept) }
    }

    static func effects(_ context: HandlerContext) -> Effects {
        Effects(
            send: { entries in for entry in entries { context.enqueue(entry.envelope, exchange: entry.exchange) } },
            afterCommit: { context.afterCommit($0) })
    }

    /// The commands of `actions` as outbox entries: message id = request id (the reply's
    /// command id), `reply_to` = the coordinator's reply key, correlation = the saga.
    func entries(_ actions: [SagaAction], saga: UUID, causation: UUID?) throws -> [Outbox.Entry] {
        try actions.map { action in
            guard case .send(let command, let request) = action else { fatalError("unknown saga action") }
            let envelope = Envelope(
                id: request, type: command.type, correlationID: saga.uuidString.lowercased(), causationID: causation?.uuidString.lowercased(),
                schemaVersion: command.type.version ?? 1, source: "erp-saga", payload: command.payload,
                replyTo: replyKey)
            return Outbox.Entry(envelope, exchange: commandsExchange)
        }
    }
}

extension Coordinator {
    /// A saga stopped for a person: the team is told (``SagaEvent/Stuck``, in the same transaction).
    func announceStuck<D>(_ state: SagaState<D>, _ tx: PostgresTransaction, causation: UUID?, effects: Effects) async throws {
        let key = try await store.key(of: state.id, in: tx) ?? "-"
        let parts = key.split(separator: ":")
        let order = parts.count > 1 && ["order", "amendment"].contains(parts[0]) ? Int64(parts[1]) : nil
        let last = state.history.last
        let event = SagaEvent.Stuck(
            saga: state.id, sagaType: state.type, key: key, order: order, step: last?.step ?? state.failure?.step ?? "-",
            reason: last?.what ?? state.failure.map { "\($0.code): \($0.reason)" } ?? "stopped")
        let envelope = try Envelope(
            event, source: "erp-saga", correlationID: state.id.uuidString.lowercased(), causationID: causation?.uuidString.lowercased())
        try await effects.send([Outbox.Entry(envelope, exchange: eventsExchange)])
    }
}

struct SagaTypeError: Error, CustomStringConvertible {
    let type: String
    var description: String { "no saga type '\(type)' in this coordinator (a newer version wrote it?)" }
}
