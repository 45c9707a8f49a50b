import Contracts
import Foundation
import Messaging
import Postgres
import SagaKit

/// Amendments carried through (``Amendment``): a change of an order's lines, and a new
/// shipping region before allocation (the warehouse is chosen again). As soon as the
/// change is in effect, the order's waiting fulfilment takes the new lines, total, region
/// and reservations; an amended backorder waits for its new SKUs (and, if it now owes
/// money, resumes as pending payment).
extension Coordinator {
    func registerAmendments(in registry: inout MessageHandlers) {
        registry.on(OrderEvent.AmendmentRequested.self) { event, context in
            let fulfilment = try await holdingFulfilment(event.order, context.transaction)
            let data = Amendment.Data(
                order: event.order, amendment: event.amendment, what: event.what,
                lines: event.lines.map { .init(line: $0.line, sku: $0.sku, quantity: $0.quantity) },
                previous: fulfilment?.data.lines ?? event.previous.map { .init(line: $0.line, sku: $0.sku, quantity: $0.quantity) },
                region: event.region, previousRegion: fulfilment?.data.region ?? event.region, rereserve: fulfilment != nil)
            try await start(amendments, data, key: Amendment.key(order: event.order, amendment: event.amendment), context)
        }
    }

    /// The order's fulfilment if it holds (or is reserving) stock and has not allocated yet.
    func holdingFulfilment(_ order: Int64, _ tx: PostgresTransaction) async throws -> SagaState<Fulfilment.Data>? {
        guard let row = try await store.byKey(Fulfilment.key(order: order), in: tx), row.status == "waiting" else { return nil }
        let state =
            try states.state(row.id, version: row.version, as: SagaState<Fulfilment.Data>.self)
            ?? MessageCoding.decoder().decode(SagaState<Fulfilment.Data>.self, from: row.state)
        // Step 1 reserves, step 2 waits for payment; step 0 holds for merging (nothing reserved yet).
        return (1...2).contains(state.step) ? state : nil
    }

    /// A new shipping address before allocation: the order's stock is reserved again by the new region.
    func regionChanged(_ snapshot: OrderSnapshot, _ context: HandlerContext) async throws {
        guard let fulfilment = try await holdingFulfilment(snapshot.order, context.transaction),
            let region = snapshot.shippingAddress?.province, region != fulfilment.data.region
        else { return }
        let data = Amendment.Data(
            order: snapshot.order, amendment: nil, what: "shipping region \(fulfilment.data.region ?? "-") → \(region)", lines: fulfilment.data.lines,
            previous: fulfilment.data.lines, region: region, previousRegion: fulfilment.data.region, rereserve: true)
        try await start(amendments, data, key: Amendment.key(order: snapshot.order, regionChange: context.envelope.id), context)
    }

    /// The change is in effect: the order's waiting fulfilment goes on with it.
    func amendmentInEffect(_ data: Amendment.Data, _ tx: PostgresTransaction, effects: Effects) async throws {
        guard let row = try await store.byKey(Fulfilment.key(order: data.order), in: tx), row.status == "waiting" else { return }
        let state =
            try states.state(row.id, version: row.version, as: SagaState<Fulfilment.Data>.self)
            ?? MessageCoding.decoder().decode(SagaState<Fulfilment.Data>.self, from: row.state)
        let next = fulfilment.amend(state, "amended: \(data.what)", now: clock.now) { fulfilment in
            if let snapshot = data.snapshot {
                fulfilment.lines = snapshot.lines.map { .init(line: $0.line, sku: $0.sku, quantity: $0.quantity) }
                fulfilment.total = snapshot.total
            }
            if data.amendment == nil { fulfilment.region = data.region }
            if data.rereserve, let reservations = data.reservations { fulfilment.reservations = reservations }
        }
        guard next != state else { return }
        try await store.save(next, in: tx)
        remember(next, effects)
    }

    /// An amended order that waits for stock waits for its new SKUs, paid or not as finance
    /// now says; it is tried again at once (its new lines may be in stock).
    func amendmentCompleted(_ data: Amendment.Data, _ tx: PostgresTransaction, effects: Effects, causation: UUID?) async throws {
        guard let snapshot = data.snapshot, let open = data.open, try await backorderQueue.contains(order: data.order, in: tx) else { return }
        let skus = snapshot.lines.map(\.sku)
        try await backorderQueue.wait(order: data.order, skus: skus, paid: open.minorUnits <= 0, in: tx)
        try await releaseBackorders(skus: skus, tx, effects: effects, causation: causation)
    }
}
