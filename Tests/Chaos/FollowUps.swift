import Contracts
import Foundation
import Postgres

/// What operators and customers do once orders are in the system, each once: split an
/// order waiting for payment and record the parts' bank transfers, merge two orders of one
/// customer and record the payment, ask for a return or an exchange of a completed order,
/// and inspect the goods when the parcel comes back. It looks for the moment in the
/// database (as an operator would look with erpctl) and acts through commands.
final class FollowUps: Sendable {
    let publisher: SoakPublisher
    let ledger: SoakLedger
    let pool: PostgresPool

    init(publisher: SoakPublisher, ledger: SoakLedger, pool: PostgresPool) { (self.publisher, self.ledger, self.pool) = (publisher, ledger, pool) }

    /// One round; a database that is away (restarting) skips it. Returns how many actions it took.
    @discardableResult func round() async -> Int {
        do { return try await act() } catch { return 0 }
    }

    func act() async throws -> Int {
        let settled = await ledger.settled
        let planned = await ledger.orders.values.filter {
            ($0.intent == .split || $0.intent == .merged || $0.after != nil) && !settled.contains($0.key)
        }
        guard !planned.isEmpty else { return 0 }
        let byKey = Dictionary(uniqueKeysWithValues: planned.map { ($0.key, $0) })
        struct Row { let id: Int64; let key: String; let status: String; let mergedInto: Int64?; let waitingForPayment: Bool }
        let rows = try await pool.query(
            """
            SELECT o.id, o.platform || '/' || o.shop || '/' || o.external_id, o.status, o.merged_into,
                   coalesce((SELECT h.step = 'await payment' FROM saga.instances i JOIN saga.history h ON h.saga_id = i.id
                             WHERE i.key = 'order:' || o.id || ':fulfilment' ORDER BY h.seq DESC LIMIT 1), false)
            FROM orders.orders o WHERE o.platform || '/' || o.shop || '/' || o.external_id = ANY(\(Array(byKey.keys)))
            """
        ).map {
            Row(
                id: try $0.decode(Int64.self, at: 0), key: try $0.decode(String.self, at: 1), status: try $0.decode(String.self, at: 2),
                mergedInto: try $0.decode(Int64?.self, at: 3), waitingForPayment: try $0.decode(Bool.self, at: 4))
        }
        let ids = Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0) })
        // Done with: nothing more to do for it (the query above stays small on a long run).
        let finishedStates: Set<String> = ["cancelled", "partially_returned", "returned"]
        for row in rows where finishedStates.contains(row.status) { await ledger.settle(row.key) }
        // A split or merge the coordinator undid (say finance had not yet invoiced an order) is asked for again, as an
        // operator would, up to three times: each claim names the attempt.
        let undone = try await pool.query("SELECT key FROM saga.instances WHERE type IN ('split', 'merge') AND status = 'compensated'").map {
            try $0.decode(String.self, at: 0)
        }
        func attempt(_ prefix: String) -> Int { undone.filter { $0.hasPrefix(prefix) }.count }
        var actions = 0
        for row in rows {
            guard let plan = byKey[row.key] else { continue }
            if plan.intent == .split, row.status == "pending_payment", row.waitingForPayment, attempt("order:\(row.id):split:") < 3,
                await ledger.claim("split \(row.id) attempt \(attempt("order:\(row.id):split:"))")
            {
                actions += await send(
                    SagaRequest.StartSplit(
                        order: row.id, parts: [[.init(line: 1, quantity: 1)]], byWarehouse: false, reason: "soak: ship line 1 first"))
            }
            if plan.intent == .merged, let other = plan.mergeWith.flatMap({ ids[$0] }), row.status == "pending_payment",
                other.status == "pending_payment", row.waitingForPayment, other.waitingForPayment, attempt("merge:\(row.id),\(other.id):") < 3,
                await ledger.claim("merge \(row.id) attempt \(attempt("merge:\(row.id),\(other.id):"))")
            {
                actions += await send(SagaRequest.StartMerge(orders: [row.id, other.id], reason: "soak: one parcel"))
            }
            if row.status == "completed", let after = plan.after, await ledger.claim("\(after.rawValue) \(row.id)") {
                switch after {
                case .return:
                    actions += await send(
                        SagaRequest.StartReturn(order: row.id, lines: [.init(line: 1, quantity: 1)], kind: .return, reason: "soak: does not fit"))
                case .exchange:
                    let sku = try await pool.query("SELECT sku FROM orders.order_lines WHERE order_id = \(row.id) AND line = 1")[0].decode(
                        String.self, at: 0)
                    actions += await send(
                        SagaRequest.StartExchange(
                            order: row.id, lines: [.init(line: 1, quantity: 1)], replacements: [.init(sku: sku, quantity: 1)],
                            reason: "soak: other size"))
                }
            }
        }
        // The parts of a split and a merged order wait for payment: the customer pays by bank transfer.
        let splitParents = rows.filter { byKey[$0.key]?.intent == .split }.map(\.id)
        let merged = rows.filter { byKey[$0.key]?.intent == .merged }.compactMap(\.mergedInto)
        let toPay = try await pool.query(
            """
            SELECT id FROM orders.orders
            WHERE (parent_id = ANY(\(splitParents)) OR id = ANY(\(merged))) AND status = 'pending_payment'
            """
        ).map { try $0.decode(Int64.self, at: 0) }
        for order in toPay where await ledger.claim("pay \(order)") {
            actions += await send(OrderCommand.ChangeStatus(order: order, to: .paid, reason: "soak: bank transfer received"))
        }
        // A split or merge whose new orders are no longer waiting for payment is done with.
        let stillToPay = try await pool.query(
            "SELECT parent_id, id FROM orders.orders WHERE (parent_id = ANY(\(splitParents)) OR id = ANY(\(merged))) AND status = 'pending_payment'"
        ).map { (try $0.decode(Int64?.self, at: 0), try $0.decode(Int64.self, at: 1)) }
        for row in rows {
            guard let plan = byKey[row.key], plan.after == nil else { continue }
            let waiting =
                row.status == "split"
                ? stillToPay.contains { $0.0 == row.id } : row.status == "merged" ? stillToPay.contains { $0.1 == row.mergedInto } : true
            if !waiting, row.status == "split" || row.status == "merged" { await ledger.settle(row.key) }
        }
        // Parcels that come back are inspected: the unit is sellable again.
        let returnedOrders = rows.filter { byKey[$0.key]?.after != nil }.map(\.id)
        let approved = try await pool.query(
            "SELECT rma FROM orders.returns WHERE status = 'approved' AND order_id = ANY(\(returnedOrders))"
        ).map { try $0.decode(String.self, at: 0) }
        for rma in approved where await ledger.claim("inspect \(rma)") {
            actions += await send(OrderCommand.InspectReturn(rma: rma, items: [.init(line: 1, quantity: 1, condition: .sellable)]))
        }
        return actions
    }

    func send<M: Message>(_ command: M) async -> Int {
        guard let (envelope, accepted) = try? await publisher.send(command) else { return 0 }
        await ledger.record(command: envelope.id, type: envelope.type.rawValue, accepted: accepted)
        return 1
    }
}
