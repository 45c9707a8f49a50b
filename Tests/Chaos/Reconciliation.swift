import Foundation
import Postgres
import ServiceTestSupport

/// The soak's closing account: each check computed from what the soak sent (the ledger)
/// and what the database and the broker hold, passed or failed with what it found.
struct Reconciliation {
    struct Check: Sendable {
        let name: String
        let passed: Bool
        let detail: String
    }

    let pool: PostgresPool
    let system: ProcessSystem
    let ledger: SoakLedger
    var checks: [Check] = []
    var figures: [String] = []

    init(pool: PostgresPool, system: ProcessSystem, ledger: SoakLedger) { (self.pool, self.system, self.ledger) = (pool, system, ledger) }

    mutating func check(_ name: String, _ passed: Bool, _ detail: String) { checks.append(Check(name: name, passed: passed, detail: detail)) }

    func strings(_ sql: PostgresQuery) async throws -> [String] { try await pool.query(sql).map { try $0.decode(String.self, at: 0) } }
    func int(_ sql: PostgresQuery) async throws -> Int { try await pool.query(sql)[0].decode(Int.self, at: 0) }

    static func sample(_ items: [String]) -> String {
        items.isEmpty ? "" : ": " + items.prefix(5).joined(separator: "; ") + (items.count > 5 ? "; …" : "")
    }

    mutating func run(inFlight: String) async throws {
        try await platformMessages()
        try await orderHistories()
        try await intents()
        try await sagas()
        try await stock()
        try await money()
        try await erpctlChecks()
        check("nothing left in flight (queues and outboxes empty)", inFlight.isEmpty, inFlight.isEmpty ? "all empty" : inFlight)
        try await figuresOfTheRun()
    }

    /// Every platform message the broker accepted is one order or one quarantine row.
    mutating func platformMessages() async throws {
        let orders = Set(try await strings("SELECT platform || '/' || shop || '/' || external_id FROM orders.orders"))
        var quarantined: [String: Int] = [:]
        for row in try await pool.query("SELECT coalesce(message_id, ''), count(*)::int FROM orders.quarantine GROUP BY 1") {
            quarantined[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
        }
        var lost: [String] = [], doubled: [String] = [], wronglyQuarantined: [String] = []
        var accepted = 0
        let messages = await ledger.platform
        for (id, message) in messages where message.accepted {
            accepted += 1
            let rows = quarantined[id] ?? 0
            switch message.expectation {
            case .order(let key):
                if !orders.contains(key) { lost.append("\(message.kind) \(key)") }
                if rows > 0 { wronglyQuarantined.append("\(message.kind) \(key) (\(id))") }
            case .quarantine:
                if rows == 0 { lost.append("\(message.kind) \(id)") }
                if rows > 1 { doubled.append("\(message.kind) \(id) quarantined \(rows) times (sent \(message.attempts) times)") }
            case .orderOrQuarantine(let key):
                let ordered = orders.contains(key)
                if !ordered && rows == 0 { lost.append("\(message.kind) \(key)") }
                if (ordered && rows > 0) || rows > 1 { doubled.append("\(message.kind) \(key): order \(ordered), quarantined \(rows)") }
            }
        }
        let known = Set(messages.keys)
        let unexplainedRows = try await strings(
            "SELECT routing_key || ' ' || code || ': ' || reason FROM orders.quarantine WHERE message_id IS NULL OR NOT (message_id = ANY(\(Array(known))))"
        )
        check(
            "every accepted platform message is one order or one quarantine row",
            lost.isEmpty && doubled.isEmpty && wronglyQuarantined.isEmpty,
            "\(accepted) accepted; lost \(lost.count)\(Self.sample(lost)), doubled \(doubled.count)\(Self.sample(doubled)), good ones quarantined \(wronglyQuarantined.count)\(Self.sample(wronglyQuarantined))"
        )
        check(
            "no quarantine row the soak cannot explain", unexplainedRows.isEmpty,
            "\(unexplainedRows.count) unexplained\(Self.sample(unexplainedRows))")
    }

    /// Each order's state is the last step of its history, and each step starts where the last ended.
    mutating func orderHistories() async throws {
        let mismatched = try await strings(
            """
            SELECT o.id || ' is ' || o.status || ', history ends ' || coalesce(h.to_status, 'nowhere')
            FROM orders.orders o LEFT JOIN LATERAL (
                SELECT to_status FROM orders.status_history WHERE order_id = o.id ORDER BY id DESC LIMIT 1) h ON true
            WHERE h.to_status IS DISTINCT FROM o.status
            """)
        let broken = try await strings(
            """
            SELECT order_id || ': ' || coalesce(previous, '?') || ' then from ' || coalesce(from_status, 'nothing') || ' to ' || to_status
            FROM (SELECT order_id, from_status, to_status, lag(to_status) OVER (PARTITION BY order_id ORDER BY id) AS previous
                  FROM orders.status_history) steps
            WHERE previous IS NOT NULL AND from_status IS DISTINCT FROM previous
            """)
        let count = try await int("SELECT count(*)::int FROM orders.orders")
        check(
            "every order's state is explained by its history", mismatched.isEmpty && broken.isEmpty,
            "\(count) orders; state not the history's end \(mismatched.count)\(Self.sample(mismatched)); history steps that do not follow \(broken.count)\(Self.sample(broken))"
        )
    }

    /// What the workload meant for each order is what happened.
    mutating func intents() async throws {
        let planned = await ledger.orders
        var statuses: [String: (id: Int64, status: String, mergedInto: Int64?)] = [:]
        for row in try await pool.query(
            "SELECT platform || '/' || shop || '/' || external_id, id, status, merged_into FROM orders.orders WHERE platform IN ('web', 'shopify')")
        {
            statuses[try row.decode(String.self, at: 0)] = (
                try row.decode(Int64.self, at: 1), try row.decode(String.self, at: 2), try row.decode(Int64?.self, at: 3)
            )
        }
        var children: [Int64: [String]] = [:]
        for row in try await pool.query("SELECT parent_id, status FROM orders.orders WHERE parent_id IS NOT NULL") {
            children[try row.decode(Int64.self, at: 0), default: []].append(try row.decode(String.self, at: 1))
        }
        var byID: [Int64: String] = [:]
        for row in try await pool.query("SELECT id, status FROM orders.orders WHERE id IN (SELECT merged_into FROM orders.orders)") {
            byID[try row.decode(Int64.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        let waitingWithDeadline = Set(
            try await strings("SELECT key FROM saga.instances WHERE type = 'fulfilment' AND status = 'waiting' AND deadline IS NOT NULL"))
        let finished: Set<String> = ["completed", "partially_returned", "returned"]
        var wrong: [String] = []
        var tally: [String: Int] = [:]
        for order in planned.values {
            tally[order.intent.rawValue, default: 0] += 1
            guard let found = statuses[order.key] else { continue }  // a lost order fails the platform check
            let ok: Bool
            switch order.intent {
            case .paidAtOnce, .paidLater, .addressChangedThenPaid: ok = finished.contains(found.status)
            case .cancelled: ok = found.status == "cancelled"
            case .neverPaid:
                ok =
                    found.status == "cancelled" || (found.status == "pending_payment" && waitingWithDeadline.contains("order:\(found.id):fulfilment"))
            case .split:
                ok = found.status == "split" && !(children[found.id] ?? []).isEmpty && (children[found.id] ?? []).allSatisfy(finished.contains)
            case .merged: ok = found.status == "merged" && found.mergedInto.flatMap { byID[$0] }.map(finished.contains) == true
            }
            if !ok {
                let parts = children[found.id].map { " (parts: \($0.joined(separator: ", ")))" } ?? ""
                let merged = found.mergedInto.map { " (merged into \($0): \(byID[$0] ?? "?"))" } ?? ""
                wrong.append("\(order.key) [\(order.intent.rawValue)] order \(found.id) is \(found.status)\(parts)\(merged)")
            }
        }
        check(
            "every order ended as the workload meant (paid: completed; cancelled; split and merged: their orders completed; never paid: cancelled at the deadline or waiting with one)",
            wrong.isEmpty,
            "\(planned.count) planned (\(tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); not as meant \(wrong.count)\(Self.sample(wrong))"
        )
    }

    mutating func sagas() async throws {
        let open = try await strings(
            """
            SELECT type || ' ' || key || ' ' || status || coalesce(' at step ' || (SELECT step FROM saga.history WHERE saga_id = i.id ORDER BY seq DESC LIMIT 1), '')
                   || coalesce(' (' || (state->>'failure') || ')', '')
            FROM saga.instances i
            WHERE NOT (status IN ('completed', 'compensated', 'superseded') OR (status = 'waiting' AND deadline IS NOT NULL))
            """)
        let total = try await int("SELECT count(*)::int FROM saga.instances")
        check("every saga finished or waiting with a deadline", open.isEmpty, "\(total) sagas; neither \(open.count)\(Self.sample(open))")
        let twice = try await strings(
            "SELECT saga_id::text FROM saga.history WHERE what LIKE 'failed: timeout%' GROUP BY saga_id HAVING count(*) > 1")
        let cancelledTwice = try await strings(
            "SELECT order_id::text FROM orders.status_history WHERE to_status = 'cancelled' GROUP BY order_id HAVING count(*) > 1")
        let fired = try await int("SELECT count(*)::int FROM saga.history WHERE what LIKE 'failed: timeout%'")
        check(
            "deadlines fired once (two coordinators)", twice.isEmpty && cancelledTwice.isEmpty,
            "\(fired) deadlines fired; twice \(twice.count)\(Self.sample(twice)); orders cancelled twice \(cancelledTwice.count)\(Self.sample(cancelledTwice))"
        )
    }

    mutating func stock() async throws {
        let negative = try await strings(
            "SELECT sku || '@' || warehouse || ' on hand ' || on_hand || ' reserved ' || reserved FROM inventory.stock WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand"
        )
        check("stock never negative, never oversold", negative.isEmpty, "\(negative.count) rows\(Self.sample(negative))")
        let receipts = await ledger.receipts
        var found: [String: [Int]] = [:]
        for row in try await pool.query("SELECT reference, quantity FROM inventory.movements WHERE kind = 'receipt' AND reference LIKE 'SOAK-R-%'") {
            found[try row.decode(String.self, at: 0), default: []].append(try row.decode(Int.self, at: 1))
        }
        let wrongReceipts = receipts.compactMap { reference, units in found[reference] == [units] ? nil : "\(reference): \(found[reference] ?? [])" }
        check(
            "each stock receipt sent is received once", wrongReceipts.isEmpty,
            "\(receipts.count) receipts; wrong \(wrongReceipts.count)\(Self.sample(wrongReceipts))")
        let shipped = try await int("SELECT coalesce(sum(quantity), 0)::int FROM orders.shipment_lines")
        let issued = try await int("SELECT coalesce(sum(abs(quantity)), 0)::int FROM inventory.movements WHERE kind = 'issue'")
        check("units in recorded shipments equal units issued from stock", shipped == issued, "shipped \(shipped), issued \(issued)")
    }

    mutating func money() async throws {
        let twice = try await strings(
            "SELECT order_id::text FROM finance.invoices WHERE kind = 'invoice' GROUP BY order_id HAVING count(*) > 1")
        let shippedWithout = try await strings(
            """
            SELECT o.id || ' ' || o.status FROM orders.orders o
            WHERE EXISTS (SELECT 1 FROM orders.shipments s WHERE s.order_id = o.id)
              AND NOT EXISTS (SELECT 1 FROM finance.invoices i WHERE i.order_id = o.id AND i.kind = 'invoice')
            """)
        let invoices = try await int("SELECT count(*)::int FROM finance.invoices WHERE kind = 'invoice'")
        check(
            "each order invoiced once, every shipped order invoiced", twice.isEmpty && shippedWithout.isEmpty,
            "\(invoices) invoices; orders invoiced twice \(twice.count)\(Self.sample(twice)); shipped without an invoice \(shippedWithout.count)\(Self.sample(shippedWithout))"
        )
    }

    mutating func erpctlChecks() async throws {
        let checked = try await system.erpctl(["check"])
        let lines = checked.output.split(separator: "\n")
        let failed = lines.filter { !$0.hasPrefix("held") }.map(String.init)
        check(
            "erpctl check: every invariant held (journal balanced, receivables equal open items, on hand equals the stock ledger, ...)",
            checked.status == 0,
            checked.status == 0
                ? (lines.last.map(String.init) ?? "")
                : "exit \(checked.status)\(Self.sample(failed.isEmpty ? lines.suffix(5).map(String.init) : failed))")
        let listed = try await system.erpctl(["dead", "list", "--json"])
        struct Parked: Decodable { let id: String; let queue: String; let error: String; let copies: Int }
        let parked = (try? JSONDecoder().decode([Parked].self, from: Data(listed.output.utf8))) ?? []
        let bad = await ledger.badCommands
        let unexplained = parked.filter { !bad.contains($0.id) }.map { "\($0.queue) \($0.id): \($0.error)" }
        var listings: [String: Int] = [:]
        for message in parked { listings[message.id, default: 0] += 1 }
        let notListedOnce = bad.filter { listings[$0] != 1 }.map { "\($0) listed \(listings[$0] ?? 0) times" }
        // Parking is publish, then acknowledge: a delivery whose acknowledgement was lost is parked again; erpctl lists
        // and replays the copies as one. Counted here, not failed.
        let copies = parked.map { $0.copies - 1 }.reduce(0, +)
        check(
            "parked messages: each malformed command listed once by erpctl dead list with its reason, nothing else parked",
            listed.status == 0 && unexplained.isEmpty && notListedOnce.isEmpty,
            "\(parked.count) parked (\(Set(parked.map(\.error)).sorted().joined(separator: "; "))), \(copies) extra copies of them; unexplained \(unexplained.count)\(Self.sample(unexplained)); malformed not listed once \(notListedOnce.count)\(Self.sample(notListedOnce))"
        )
    }

    mutating func figuresOfTheRun() async throws {
        let sent = await ledger.sent, faults = await ledger.faults
        figures.append(
            "messages sent: \(sent.values.reduce(0, +)) (\(sent.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")
        figures.append(
            "faults injected: \(faults.values.reduce(0, +)) (\(faults.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))"
        )
        let states = try await pool.query("SELECT status, count(*)::int FROM orders.orders GROUP BY 1 ORDER BY 2 DESC").map {
            "\(try $0.decode(String.self, at: 0)) \(try $0.decode(Int.self, at: 1))"
        }
        figures.append("orders by state: \(states.joined(separator: ", "))")
        // Throughput: orders completed from the first platform message to the last completion.
        let firstSent = await ledger.orders.values.compactMap(\.sentAt).min()
        let completed = try await pool.query(
            "SELECT count(*)::int, max(h.at) FROM orders.status_history h WHERE h.to_status = 'completed'")[0]
        if let firstSent, let last = try completed.decode(Date?.self, at: 1) {
            let count = try completed.decode(Int.self, at: 0)
            let seconds = last.timeIntervalSince(firstSent)
            figures.append(
                String(
                    format: "orders completed: %d in %.0f s from the first platform message to the last completion: %.1f orders/s", count, seconds,
                    Double(count) / max(seconds, 1)))
        }
        // Platform message (first sent) to allocated, for the orders paid at once.
        let planned = await ledger.orders.values.filter { $0.intent == .paidAtOnce && $0.sentAt != nil }
        var allocatedAt: [String: Date] = [:]
        for row in try await pool.query(
            """
            SELECT o.platform || '/' || o.shop || '/' || o.external_id, min(h.at) FROM orders.orders o
            JOIN orders.status_history h ON h.order_id = o.id AND h.to_status = 'allocated' GROUP BY 1
            """)
        {
            allocatedAt[try row.decode(String.self, at: 0)] = try row.decode(Date.self, at: 1)
        }
        let latencies = planned.compactMap { order in allocatedAt[order.key].map { $0.timeIntervalSince(order.sentAt!) } }.sorted()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        figures.append(
            String(
                format: "platform message to allocated (orders paid at once): p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d orders)",
                percentile(0.5) * 1000,
                percentile(0.99) * 1000, (latencies.last ?? 0) * 1000, latencies.count))
    }
}
