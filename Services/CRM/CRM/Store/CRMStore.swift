import Contracts
import Foundation
import Postgres

/// Customer profiles, their keys, orders and timeline in the crm schema, inside the
/// caller's transaction. Refusals are ``CommandRefused`` with the rule that was broken.
public struct CRMStore: Sendable {
    public let schema: String
    public init(schema: String = "crm") { self.schema = schema }

    /// A merge carried out: `absorbed` now points to `survivor`.
    public struct Merge: Sendable, Equatable {
        public let survivor: Int64
        public let absorbed: Int64
        public let reason: String
    }

    /// What a customer message told: the keys found in it, and what was seen with them.
    public struct Sighting: Sendable {
        public var keys: [ContactKey]
        public var names: [String]
        public var addresses: [CanonicalOrder.Address]
        public var at: Date
        /// Where it came from (`order 42 (shopify/main)`), kept with each new key.
        public var source: String
    }

    // MARK: - Identity

    /// The live profile of the person `sighting` is about: found by its keys, created when
    /// none is known, and, when its keys belong to several profiles, those merged into the
    /// oldest. New keys, the name and the address are added to the profile.
    public func resolve(_ sighting: Sighting, actor: String, in tx: PostgresTransaction) async throws -> (
        customer: Int64, merges: [Merge]
    ) {
        let keys = Self.unique(sighting.keys)
        let kinds = keys.map(\.kind)
        let values = keys.map(\.value)
        // One transaction at a time per key: two messages about a new person cannot both create a profile.
        // Queued: it travels with the lookup, which (a statement of its own) sees what the
        // holder of a lock committed before releasing it.
        if !keys.isEmpty {
            try await tx.queue(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 7)) FROM unnest(\(zip(kinds, values).map { lockKey("\($0):\($1)") })::text[]) AS k ORDER BY k"
            )
        }
        // The profiles found are locked and must still be live: a merge or a forget that
        // committed after the lookup's snapshot moved or removed the keys, so they are looked up again.
        var linked: [ContactKey: Int64] = [:]
        var created: Int64?
        for _ in 0..<8 {
            let found = try await lookup(kinds: kinds, values: values, creating: true, in: tx)
            (linked, created) = (found.linked, found.created)
            if found.allLive { break }
        }
        let decision = IdentityResolution.decide(links: keys.map { ($0, linked[$0]) })
        let customer: Int64
        var merges: [Merge] = []
        switch decision {
        case .create:
            // No key is linked: the lookup made the profile (one round trip for a new person).
            if let created {
                customer = created
            } else {
                customer = try await tx.query("INSERT INTO \(identifier: schema).customers DEFAULT VALUES RETURNING id")[0].decode(Int64.self, at: 0)
            }
        case .existing(let profile, _):
            customer = profile
        case .merge(let survivor, let absorbed):
            customer = survivor
            for entry in absorbed {
                try await merge(entry.profile, into: survivor, reason: entry.reason, actor: actor, in: tx)
                merges.append(Merge(survivor: survivor, absorbed: entry.profile, reason: entry.reason))
            }
        }
        let unlinked = keys.filter { linked[$0] == nil }
        if !unlinked.isEmpty {
            try await tx.queue(
                """
                INSERT INTO \(identifier: schema).customer_keys (kind, value, customer, source)
                SELECT kind, value, \(customer), \(sighting.source) FROM unnest(\(unlinked.map(\.kind))::text[], \(unlinked.map(\.value))::text[]) AS t(kind, value)
                """)
        }
        // An order's one name and address go in one statement.
        for index in 0..<max(sighting.names.count, sighting.addresses.count) {
            try await record(
                name: index < sighting.names.count ? sighting.names[index] : nil,
                address: index < sighting.addresses.count ? sighting.addresses[index] : nil, at: sighting.at, of: customer, in: tx)
        }
        return (customer, merges)
    }

    /// The profiles `kinds`/`values` are linked to, locked (so no merge or forget changes
    /// them until this transaction ends), and whether all of them are still live as locked.
    /// With `creating`, a new profile is made in the same statement when no key is linked.
    func lookup(kinds: [String], values: [String], creating: Bool = false, in tx: PostgresTransaction) async throws -> (
        linked: [ContactKey: Int64], allLive: Bool, created: Int64?
    ) {
        var linked: [ContactKey: Int64] = [:]
        var allLive = true
        var created: Int64?
        for row in try await tx.query(
            """
            WITH found AS (
                -- Key by key through the primary key (LIMIT 1 keeps the planner from a hash join
                -- over the whole table, which a generic plan made while the table was small would keep).
                SELECT t.kind, t.value, k.customer, c.merged_into IS NULL AND c.forgotten_at IS NULL AS live
                FROM unnest(\(kinds)::text[], \(values)::text[]) AS t(kind, value)
                CROSS JOIN LATERAL (
                    SELECT customer FROM \(identifier: schema).customer_keys k WHERE k.kind = t.kind AND k.value = t.value LIMIT 1) k
                JOIN \(identifier: schema).customers c ON c.id = k.customer
                ORDER BY c.id FOR NO KEY UPDATE OF c
            ), created AS (
                INSERT INTO \(identifier: schema).customers (created_at) SELECT now() WHERE \(creating) AND NOT EXISTS (SELECT 1 FROM found)
                RETURNING id
            )
            SELECT kind, value, customer, live FROM found
            UNION ALL SELECT NULL, NULL, id, true FROM created
            """)
        {
            guard let kind = try row.decode(String?.self, column: "kind") else {
                created = try row.decode(Int64.self, column: "customer")
                continue
            }
            guard let key = ContactKey(kind: kind, value: try row.decode(String.self, column: "value")) else { continue }
            linked[key] = try row.decode(Int64.self, column: "customer")
            if try !row.decode(Bool.self, column: "live") { allLive = false }
        }
        return (linked, allLive, created)
    }

    /// Keeps a name and an address as seen (once each; the latest sighting is the primary),
    /// in one statement (queued). A name seen no earlier than every name held becomes the
    /// profile's display name (the profile's row is not written when it already is).
    func record(name: String?, address: CanonicalOrder.Address?, at: Date, of customer: Int64, in tx: PostgresTransaction) async throws {
        // A name past 300 characters is not one (and would not fit a key): it is kept cut.
        let name = name.map { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)) }.flatMap { $0.isEmpty ? nil : $0 }
        guard name != nil || address != nil else { return }
        let s = schema
        try await tx.queue(
            """
            WITH latest AS (
                SELECT max(last_seen) AS seen FROM \(identifier: s).customer_names WHERE customer = \(customer)
            ), named AS (
                INSERT INTO \(identifier: s).customer_names (customer, name, last_seen)
                SELECT \(customer)::bigint, \(name)::text, \(at)::timestamptz WHERE \(name)::text IS NOT NULL
                ON CONFLICT (customer, name) DO UPDATE SET last_seen = greatest(customer_names.last_seen, excluded.last_seen)
            ), located AS (
                INSERT INTO \(identifier: s).customer_addresses (customer, fingerprint, address, last_seen)
                SELECT \(customer)::bigint, md5(\(address.map(Self.fingerprint))::text), \(address.map { PostgresJSON($0) })::jsonb, \(at)::timestamptz
                WHERE \(address.map(Self.fingerprint))::text IS NOT NULL
                ON CONFLICT (customer, fingerprint) DO UPDATE SET last_seen = greatest(customer_addresses.last_seen, excluded.last_seen)
            )
            UPDATE \(identifier: s).customers SET display_name = \(name)::text, updated_at = now()
            WHERE id = \(customer) AND \(name)::text IS NOT NULL AND display_name IS DISTINCT FROM \(name)::text
              AND \(at)::timestamptz >= coalesce((SELECT seen FROM latest), '-infinity')
            """)
    }

    /// Merges profile `absorbed` into `survivor`: its keys, names, addresses, orders and
    /// timeline move over, profiles merged into it before now point to the survivor, and it
    /// records `merged_into` with the reason. The timeline of both says so.
    public func merge(_ absorbed: Int64, into survivor: Int64, reason: String, actor: String, in tx: PostgresTransaction) async throws {
        guard absorbed != survivor else { throw CommandRefused("same-customer", "customer \(absorbed) cannot be merged into itself") }
        let live = try await tx.query(
            """
            SELECT id, merged_into, forgotten_at IS NOT NULL AS forgotten FROM \(identifier: schema).customers
            WHERE id IN (\(absorbed), \(survivor)) ORDER BY id FOR UPDATE
            """)
        var found: [Int64: (mergedInto: Int64?, forgotten: Bool)] = [:]
        for row in live {
            found[try row.decode(Int64.self, column: "id")] = (
                try row.decode(Int64?.self, column: "merged_into"), try row.decode(Bool.self, column: "forgotten")
            )
        }
        for id in [absorbed, survivor] {
            guard let state = found[id] else { throw CommandRefused("unknown-customer", "unknown customer \(id)") }
            if let target = state.mergedInto {
                throw CommandRefused("customer-merged", "customer \(id) was merged into \(target); use that profile")
            }
            if state.forgotten { throw CommandRefused("customer-forgotten", "customer \(id) was forgotten") }
        }
        let s = schema
        try await tx.queue("UPDATE \(identifier: s).customer_keys SET customer = \(survivor) WHERE customer = \(absorbed)")
        try await tx.queue(
            """
            INSERT INTO \(identifier: s).customer_names (customer, name, last_seen)
            SELECT \(survivor), name, last_seen FROM \(identifier: s).customer_names WHERE customer = \(absorbed)
            ON CONFLICT (customer, name) DO UPDATE SET last_seen = greatest(customer_names.last_seen, excluded.last_seen)
            """)
        try await tx.queue("DELETE FROM \(identifier: s).customer_names WHERE customer = \(absorbed)")
        try await tx.queue(
            """
            INSERT INTO \(identifier: s).customer_addresses (customer, fingerprint, address, last_seen)
            SELECT \(survivor), fingerprint, address, last_seen FROM \(identifier: s).customer_addresses WHERE customer = \(absorbed)
            ON CONFLICT (customer, fingerprint) DO UPDATE SET last_seen = greatest(customer_addresses.last_seen, excluded.last_seen)
            """)
        try await tx.queue("DELETE FROM \(identifier: s).customer_addresses WHERE customer = \(absorbed)")
        try await tx.queue("UPDATE \(identifier: s).customer_orders SET customer = \(survivor) WHERE customer = \(absorbed)")
        // What they bought and viewed, for recommendations.
        try await tx.queue(
            """
            INSERT INTO \(identifier: s).customer_items (customer, sku, bought, returned, views, last_at)
            SELECT \(survivor), sku, bought, returned, views, last_at FROM \(identifier: s).customer_items WHERE customer = \(absorbed)
            ON CONFLICT (customer, sku) DO UPDATE SET bought = customer_items.bought + EXCLUDED.bought,
                returned = customer_items.returned + EXCLUDED.returned, views = customer_items.views + EXCLUDED.views,
                last_at = greatest(customer_items.last_at, EXCLUDED.last_at)
            """)
        try await tx.queue("DELETE FROM \(identifier: s).customer_items WHERE customer = \(absorbed)")
        try await tx.queue("UPDATE \(identifier: s).timeline SET customer = \(survivor) WHERE customer = \(absorbed)")
        try await tx.queue("UPDATE \(identifier: s).tickets SET customer = \(survivor), updated_at = now() WHERE customer = \(absorbed)")
        try await tx.queue("UPDATE \(identifier: s).surveys SET customer = \(survivor) WHERE customer = \(absorbed)")
        // Consent history follows too: the latest statement on a channel, whoever it was made as, holds.
        try await tx.queue("UPDATE \(identifier: s).consent_changes SET customer = \(survivor) WHERE customer = \(absorbed)")
        try await tx.queue(
            "UPDATE \(identifier: s).customers SET merged_into = \(survivor), merge_reason = \(reason), updated_at = now() WHERE merged_into = \(absorbed)"
        )
        try await tx.queue(
            """
            UPDATE \(identifier: s).customers SET merged_into = \(survivor), merged_at = now(), merge_reason = \(reason), updated_at = now()
            WHERE id = \(absorbed)
            """)
        try await tx.queue(
            """
            UPDATE \(identifier: s).customers SET tags = ARRAY(SELECT DISTINCT unnest(tags || (SELECT tags FROM \(identifier: s).customers WHERE id = \(absorbed)))),
                language = coalesce(language, (SELECT language FROM \(identifier: s).customers WHERE id = \(absorbed))),
                display_name = coalesce((SELECT name FROM \(identifier: s).customer_names WHERE customer = \(survivor) ORDER BY last_seen DESC, name LIMIT 1), display_name),
                updated_at = now()
            WHERE id = \(survivor)
            """)
        try await tx.queue(
            "INSERT INTO \(identifier: s).merges (absorbed, survivor, reason, actor) VALUES (\(absorbed), \(survivor), \(reason), \(actor))")
        try await tx.queue(
            """
            INSERT INTO \(identifier: s).timeline (customer, at, kind, summary, actor)
            VALUES (\(survivor), now(), 'merged', \("profile \(absorbed) merged into this one: \(reason)"), \(actor))
            """)
    }

    /// The profile `customer` is now (following merges), or nil if there is no such profile.
    public func live(_ customer: Int64, in tx: PostgresTransaction) async throws -> Int64? {
        var current = customer
        for _ in 0..<64 {
            guard let row = try await tx.query("SELECT merged_into FROM \(identifier: schema).customers WHERE id = \(current)").single() else {
                return nil
            }
            guard let next = try row.decode(Int64?.self, at: 0) else { return current }
            current = next
        }
        return current
    }

    // MARK: - Orders

    /// Records an order on its customer's profile and timeline (once: a repeated event
    /// changes nothing), with the events about it that came before it did (their status,
    /// refunds and returns, and their timeline entries). One statement, queued: it goes with
    /// the next statement or the commit.
    public func addOrder(
        _ order: OrderSnapshot, customer: Int64, message: UUID, summary given: String? = nil, surveyDue: Date? = nil,
        in tx: PostgresTransaction
    ) async throws {
        let s = schema
        try await lockOrder(order.order, in: tx)
        let paid = order.paymentStatus == .paid ? ", paid" : ""
        let summary =
            given ?? "order \(order.order) placed on \(order.platform)/\(order.shop) (\(order.externalId))\(paid): \(order.total)"
        try await tx.queue(
            """
            WITH inserted AS (
                INSERT INTO \(identifier: s).customer_orders
                    (order_id, customer, platform, shop, external_id, currency, total_minor, status, placed_at, refunded_minor, returns, skus,
                     status_at)
                SELECT \(order.order), \(customer), \(order.platform), \(order.shop), \(order.externalId), \(order.currency), \(order.total.minorUnits),
                       coalesce((SELECT status FROM \(identifier: s).waiting_order_events
                                 WHERE order_id = \(order.order) AND status IS NOT NULL ORDER BY at DESC, id DESC LIMIT 1), \(order.status.rawValue)),
                       \(order.placedAt),
                       (SELECT coalesce(sum(refunded_minor), 0) FROM \(identifier: s).waiting_order_events WHERE order_id = \(order.order)),
                       (SELECT coalesce(sum(returns), 0)::int FROM \(identifier: s).waiting_order_events WHERE order_id = \(order.order)),
                       \(Array(Set(order.lines.map(\.sku))).sorted())::text[],
                       greatest(\(order.placedAt)::timestamptz,
                                (SELECT max(at) FROM \(identifier: s).waiting_order_events WHERE order_id = \(order.order) AND status IS NOT NULL))
                ON CONFLICT (order_id) DO NOTHING
                RETURNING order_id
            ), waiting AS (
                DELETE FROM \(identifier: s).waiting_order_events
                WHERE order_id = \(order.order) AND EXISTS (SELECT 1 FROM inserted)
                RETURNING at, kind, summary, order_id, source_message
            ), survey AS (
                -- Delivered before the CRM had it: its survey is scheduled now.
                INSERT INTO \(identifier: s).surveys (customer, order_id, status, due_at)
                SELECT \(customer)::bigint, \(order.order)::bigint, 'scheduled', \(surveyDue)::timestamptz FROM waiting
                WHERE kind = 'order_delivered' AND \(surveyDue)::timestamptz IS NOT NULL LIMIT 1
                ON CONFLICT (order_id) DO NOTHING
            )
            INSERT INTO \(identifier: s).timeline (customer, at, kind, summary, order_id, source_message)
            SELECT \(customer)::bigint, \(order.placedAt)::timestamptz, 'order_placed'::text, \(summary)::text, order_id, \(message)::uuid FROM inserted
            UNION ALL
            SELECT \(customer)::bigint, at, kind, summary, order_id, source_message FROM waiting WHERE kind <> 'order_status'
            ON CONFLICT DO NOTHING
            """)
    }

    /// Something happened to an order: its copy is updated and, when `onTimeline`, it goes
    /// on its customer's timeline; for an order not known yet it waits for the order. One
    /// statement, queued: it goes with the next statement or the commit.
    public func orderEvent(
        order: Int64, at: Date, kind: String, summary: String, status: OrderStatus? = nil, refunded: Int64 = 0, returns: Int = 0,
        message: UUID, in tx: PostgresTransaction, onTimeline: Bool = true
    ) async throws {
        let s = schema
        try await lockOrder(order, in: tx)
        try await tx.queue(
            """
            WITH updated AS (
                UPDATE \(identifier: s).customer_orders SET
                    status = CASE WHEN \(status?.rawValue)::text IS NOT NULL AND (status_at IS NULL OR \(at) >= status_at)
                                  THEN \(status?.rawValue)::text ELSE status END,
                    status_at = CASE WHEN \(status?.rawValue)::text IS NOT NULL AND (status_at IS NULL OR \(at) >= status_at)
                                     THEN \(at)::timestamptz ELSE status_at END,
                    refunded_minor = refunded_minor + \(refunded), returns = returns + \(returns), updated_at = now()
                WHERE order_id = \(order) RETURNING customer
            ), entry AS (
                INSERT INTO \(identifier: s).timeline (customer, at, kind, summary, order_id, source_message)
                SELECT customer, \(at)::timestamptz, \(kind)::text, \(summary)::text, \(order)::bigint, \(message)::uuid FROM updated WHERE \(onTimeline)::boolean
                ON CONFLICT DO NOTHING
            )
            INSERT INTO \(identifier: s).waiting_order_events (order_id, at, kind, summary, status, refunded_minor, returns, source_message)
            SELECT \(order)::bigint, \(at)::timestamptz, \(kind)::text, \(summary)::text, \(status?.rawValue)::text, \(refunded)::bigint, \(returns)::int, \(message)::uuid
            WHERE NOT EXISTS (SELECT 1 FROM updated)
            ON CONFLICT DO NOTHING
            """)
    }

    /// One transaction at a time per order between its placing and its other events (queued:
    /// the statement after it sees what the holder committed), so that an event taken by
    /// another instance while the order is being placed is never left waiting.
    func lockOrder(_ order: Int64, in tx: PostgresTransaction) async throws {
        try await tx.queue("SELECT pg_advisory_xact_lock(hashtextextended(\(lockKey("order:\(order)")), 7))")
    }

    /// An advisory lock's key in this schema (as it always was in the `crm` schema).
    func lockKey(_ key: String) -> String { PostgresQuery.advisoryKey(key, schema: schema, home: "crm") }

    /// The live profile an order is on, if the CRM has it.
    public func customer(ofOrder order: Int64, in tx: PostgresTransaction) async throws -> Int64? {
        guard let row = try await tx.query("SELECT customer FROM \(identifier: schema).customer_orders WHERE order_id = \(order)").first else {
            return nil
        }
        return try await live(try row.decode(Int64.self, at: 0), in: tx)
    }

    public func hasOrder(_ order: Int64, of customer: Int64, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query("SELECT 1 FROM \(identifier: schema).customer_orders WHERE order_id = \(order) AND customer = \(customer)").first != nil
    }

    // MARK: - Timeline

    @discardableResult
    public func addToTimeline(
        customer: Int64, at: Date, kind: String, summary: String, order: Int64? = nil, channel: String? = nil, direction: String? = nil,
        actor: String? = nil, message: UUID?, in tx: PostgresTransaction
    ) async throws -> Int64? {
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).timeline (customer, at, kind, summary, order_id, channel, direction, actor, source_message)
            VALUES (\(customer), \(at), \(kind), \(summary), \(order), \(channel), \(direction), \(actor), \(message))
            ON CONFLICT DO NOTHING RETURNING id
            """
        ).first?.decode(Int64.self, at: 0)
    }

    // MARK: - Helpers

    static func unique(_ keys: [ContactKey]) -> [ContactKey] {
        var seen: Set<ContactKey> = []
        return keys.filter { seen.insert($0).inserted }
    }

    /// One address however it was spaced or cased.
    static func fingerprint(_ address: CanonicalOrder.Address) -> String {
        [address.country, address.province, address.city, address.district, address.line1, address.line2, address.postalCode, address.name]
            .map { ($0 ?? "").lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            .joined(separator: "|")
    }

}
