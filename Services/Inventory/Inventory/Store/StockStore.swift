import Contracts
import Foundation
import Postgres

/// Stock changes in the inventory schema, inside the caller's transaction. Every change
/// is a conditional update checked by row count and backed by CHECK constraints, and is
/// written to the movement ledger.
public struct StockStore: Sendable {
    public let schema: String

    public init(schema: String = "inventory") { self.schema = schema }

    /// Why a reservation was refused; nothing of it was kept.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let sku: String
        public let warehouse: String
        public let wanted: Int
        public let available: Int
        public init(sku: String, warehouse: String, wanted: Int, available: Int) {
            self.sku = sku
            self.warehouse = warehouse
            self.wanted = wanted
            self.available = available
        }
        public var description: String {
            "cannot reserve \(wanted) of \(sku) in \(warehouse): \(available) available"
        }
    }

    /// One line's share from one warehouse (from ``Allocation``).
    public struct ReservationLine: Sendable, Equatable {
        public let line: Int
        public let sku: String
        public let warehouse: String
        public let quantity: Int
        public init(line: Int, sku: String, warehouse: String, quantity: Int) {
            self.line = line
            self.sku = sku
            self.warehouse = warehouse
            self.quantity = quantity
        }
    }

    var table: String { PostgresQuery.quoteIdentifier(schema) }

    /// Adds a warehouse; false if one with this code exists.
    @discardableResult
    public func addWarehouse(code: String, name: String, region: String, in tx: PostgresTransaction) async throws -> Bool {
        try await tx.query(
            PostgresQuery(
                unsafeSQL: "INSERT INTO \(table).warehouses (code, name, region) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
                binds: [code, name, region])
        ).affectedRows == 1
    }

    /// Receives `quantity` units into a lot (created if new) and adds them to the stock.
    public func receive(
        sku: String, warehouse: String, lot: String, expiry: BusinessDate?, unitCost: Money, quantity: Int, reference: String?,
        in tx: PostgresTransaction
    ) async throws {
        try await addToLot(
            "receipt", sku: sku, warehouse: warehouse, lot: lot, expiry: expiry, unitCost: unitCost, quantity: quantity,
            reference: reference, in: tx)
    }

    /// Adds units to a lot (created with this expiry and cost if new; an existing lot keeps
    /// its own) and to the stock, and records the movement.
    func addToLot(
        _ kind: String, sku: String, warehouse: String, lot: String, expiry: BusinessDate?, unitCost: Money, quantity: Int,
        reference: String?, order: String? = nil, in tx: PostgresTransaction
    ) async throws {
        precondition(quantity > 0, "adding stock adds at least one unit")
        try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(table).stock (sku, warehouse, on_hand) VALUES ($1, $2, $3)
                    ON CONFLICT (sku, warehouse) DO UPDATE SET on_hand = stock.on_hand + EXCLUDED.on_hand
                    """, binds: [sku, warehouse, quantity]))
        try await tx.query(
            """
            INSERT INTO \(identifier: schema).lots (sku, warehouse, lot, expiry, unit_cost_minor, currency, on_hand)
            VALUES (\(sku), \(warehouse), \(lot), \(expiry?.description)::date, \(unitCost.minorUnits), \(unitCost.currency.code), \(quantity))
            ON CONFLICT (sku, warehouse, lot) DO UPDATE SET on_hand = lots.on_hand + EXCLUDED.on_hand
            """)
        try await record(kind, sku: sku, warehouse: warehouse, lot: lot, quantity: quantity, reference: reference, order: order, in: tx)
    }

    /// Reserves every line or none, in one statement: the stock rows are locked in
    /// (SKU, warehouse) order (so two orders never lock the same rows in opposite orders),
    /// each is raised by a conditional update that only succeeds while enough is available
    /// (`on_hand - reserved >= quantity`), and the reservations and ledger rows are written
    /// with it. Throws ``Refusal`` for a place that cannot supply its share; the caller's
    /// transaction (or savepoint) must then roll back. Returns the places among these that
    /// have a reorder rule (found in the same round trip), for the caller to apply.
    @discardableResult
    public func reserve(order: String, lines: [ReservationLine], in tx: PostgresTransaction) async throws
        -> [(sku: String, warehouse: String)]
    {
        struct Place: Hashable, Comparable {
            let sku: String, warehouse: String
            static func < (a: Place, b: Place) -> Bool { (a.sku, a.warehouse) < (b.sku, b.warehouse) }
        }
        struct Share: Hashable { let line: Int, place: Place }
        var perPlace: [Place: Int] = [:]
        var perShare: [Share: Int] = [:]
        for line in lines {
            let place = Place(sku: line.sku, warehouse: line.warehouse)
            perPlace[place, default: 0] += line.quantity
            perShare[Share(line: line.line, place: place), default: 0] += line.quantity
        }
        let places = perPlace.keys.sorted()
        let shares = perShare.keys.sorted { ($0.place, $0.line) < ($1.place, $1.line) }
        let result = try await tx.query(
            """
            WITH wanted AS (
                SELECT * FROM unnest(\(places.map(\.sku))::text[], \(places.map(\.warehouse))::text[], \(places.map { perPlace[$0]! })::int[])
                    AS w (sku, warehouse, quantity)
            ), locked AS MATERIALIZED (
                SELECT s.sku, s.warehouse FROM \(identifier: schema).stock s JOIN wanted w ON w.sku = s.sku AND w.warehouse = s.warehouse
                ORDER BY s.sku, s.warehouse FOR UPDATE OF s
            ), raised AS (
                UPDATE \(identifier: schema).stock s SET reserved = s.reserved + w.quantity
                FROM wanted w JOIN locked l ON l.sku = w.sku AND l.warehouse = w.warehouse
                WHERE s.sku = w.sku AND s.warehouse = w.warehouse AND s.on_hand - s.reserved >= w.quantity
                RETURNING s.sku
            ), shares AS (
                SELECT * FROM unnest(\(shares.map(\.line))::int[], \(shares.map(\.place.sku))::text[], \(shares.map(\.place.warehouse))::text[],
                    \(shares.map { perShare[$0]! })::int[]) AS r (line, sku, warehouse, quantity)
            ), given AS (
                SELECT \(order)::text AS reference
            ), reserved AS (
                INSERT INTO \(identifier: schema).reservations (order_id, line, sku, warehouse, quantity)
                SELECT g.reference, line, sku, warehouse, quantity FROM shares, given g
                ON CONFLICT (order_id, line, warehouse) DO UPDATE SET quantity = reservations.quantity + EXCLUDED.quantity
            ), recorded AS (
                INSERT INTO \(identifier: schema).movements (kind, sku, warehouse, quantity, reference)
                SELECT 'reservation', sku, warehouse, quantity, g.reference FROM shares, given g
            )
            SELECT (SELECT count(*)::int FROM raised) AS raised,
                   (SELECT string_agg(r.sku || chr(31) || r.warehouse, chr(30))
                    FROM \(identifier: schema).reorder_rules r JOIN wanted w ON w.sku = r.sku AND w.warehouse = r.warehouse) AS ruled
            """)
        guard try result[0].decode(Int.self, at: 0) == places.count else {
            // Find the first place that could not supply its share, for the refusal.
            let levels = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT w.sku, w.warehouse, coalesce(s.on_hand - s.reserved, 0) AS available
                        FROM unnest($1::text[], $2::text[]) AS w (sku, warehouse)
                        LEFT JOIN \(table).stock s ON s.sku = w.sku AND s.warehouse = w.warehouse
                        """, binds: [places.map(\.sku), places.map(\.warehouse)]))
            for row in levels {
                let place = Place(sku: try row.decode(String.self, column: "sku"), warehouse: try row.decode(String.self, column: "warehouse"))
                let available = try row.decode(Int.self, column: "available")
                if available < perPlace[place]! {
                    throw Refusal(sku: place.sku, warehouse: place.warehouse, wanted: perPlace[place]!, available: available)
                }
            }
            throw Refusal(sku: places[0].sku, warehouse: places[0].warehouse, wanted: perPlace[places[0]]!, available: 0)
        }
        let ruled = Set((try result[0].decode(String?.self, column: "ruled") ?? "").split(separator: "\u{1E}").map(String.init))
        return places.filter { ruled.contains("\($0.sku)\u{1F}\($0.warehouse)") }.map { ($0.sku, $0.warehouse) }
    }

    /// Ends an order's reservations and makes their units available again. Returns how many
    /// units were released; releasing an order that holds nothing does nothing.
    @discardableResult
    /// Releases every reservation of `order`; returns the units and the SKUs released.
    public func release(order: String, in tx: PostgresTransaction) async throws -> (units: Int, skus: [String]) {
        let released = try await tx.query(
            PostgresQuery(
                unsafeSQL: "DELETE FROM \(table).reservations WHERE order_id = $1 RETURNING sku, warehouse, quantity", binds: [order]))
        var total = 0
        var skus = Set<String>()
        for row in released {
            let sku = try row.decode(String.self, column: "sku"), warehouse = try row.decode(String.self, column: "warehouse")
            let quantity = try row.decode(Int.self, column: "quantity")
            try await tx.query(
                PostgresQuery(
                    unsafeSQL: "UPDATE \(table).stock SET reserved = reserved - $3 WHERE sku = $1 AND warehouse = $2",
                    binds: [sku, warehouse, quantity]))
            try await record("release", sku: sku, warehouse: warehouse, lot: nil, quantity: -quantity, reference: order, in: tx)
            total += quantity
            skus.insert(sku)
        }
        return (total, skus.sorted())
    }

    /// What an issue took from one lot, at the lot's cost.
    public struct IssuedLot: Sendable, Equatable {
        public let sku: String
        public let warehouse: String
        public let lot: String
        public let quantity: Int
        public let unitCost: Money
    }

    /// Ships an order's reservations: takes the reserved units from the lots first expiring
    /// (FEFO; expired lots are not shipped), lowers on hand and reserved, ends the
    /// reservations, and returns the lots and their FIFO cost for the cost of goods sold.
    public func issue(order: String, shipment: String? = nil, today: BusinessDate, in tx: PostgresTransaction) async throws -> [IssuedLot] {
        let reservations = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    DELETE FROM \(table).reservations WHERE order_id = $1 RETURNING sku, warehouse, quantity
                    """, binds: [order]))
        var quantities: [Place: Int] = [:]
        for row in reservations {
            let place = Place(sku: try row.decode(String.self, column: "sku"), warehouse: try row.decode(String.self, column: "warehouse"))
            quantities[place, default: 0] += try row.decode(Int.self, column: "quantity")
        }
        return try await take(quantities, order: order, shipment: shipment, today: today, in: tx)
    }

    /// Why a parcel's lines could not be issued: a line holds less reserved in the warehouse.
    public struct ShortReservation: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let wanted: Int
        public let reserved: Int
        public let warehouse: String
        public var description: String { "line \(line): \(wanted) shipped from \(warehouse), \(reserved) reserved there" }
    }

    /// Ships one parcel: `lines` (order line → units) of the order's reservations in
    /// `warehouse`, from the lots first expiring; what is not in the parcel stays reserved.
    public func issue(
        order: String, warehouse: String, lines: [Int: Int], shipment: String? = nil, today: BusinessDate, in tx: PostgresTransaction
    ) async throws -> [IssuedLot] {
        let held = try await tx.query(
            """
            SELECT line, sku, quantity FROM \(identifier: schema).reservations
            WHERE order_id = \(order) AND warehouse = \(warehouse) AND line = ANY(\(Array(lines.keys))::int[]) FOR UPDATE
            """)
        var reserved: [Int: (sku: String, quantity: Int)] = [:]
        for row in held {
            reserved[try row.decode(Int.self, column: "line")] = (
                try row.decode(String.self, column: "sku"), try row.decode(Int.self, column: "quantity")
            )
        }
        var quantities: [Place: Int] = [:]
        for (line, wanted) in lines.sorted(by: { $0.key < $1.key }) {
            guard let place = reserved[line], place.quantity >= wanted else {
                throw ShortReservation(line: line, wanted: wanted, reserved: reserved[line]?.quantity ?? 0, warehouse: warehouse)
            }
            if wanted == place.quantity {
                try await tx.queue(
                    "DELETE FROM \(identifier: schema).reservations WHERE order_id = \(order) AND line = \(line) AND warehouse = \(warehouse)")
            } else {
                try await tx.queue(
                    """
                    UPDATE \(identifier: schema).reservations SET quantity = quantity - \(wanted)
                    WHERE order_id = \(order) AND line = \(line) AND warehouse = \(warehouse)
                    """)
            }
            quantities[Place(sku: place.sku, warehouse: warehouse), default: 0] += wanted
        }
        return try await take(quantities, order: order, shipment: shipment, today: today, in: tx)
    }

    struct Place: Hashable { let sku: String, warehouse: String }

    /// Takes reserved units from the lots first expiring: lowers on hand and reserved.
    private func take(
        _ quantities: [Place: Int], order: String, shipment: String?, today: BusinessDate, in tx: PostgresTransaction
    ) async throws -> [IssuedLot] {
        var issued: [IssuedLot] = []
        let needs = quantities.map { (sku: $0.key.sku, warehouse: $0.key.warehouse, quantity: $0.value) }
        for need in needs.sorted(by: { ($0.sku, $0.warehouse) < ($1.sku, $1.warehouse) }) {
            let lots = try await lockedLots(sku: need.sku, warehouse: need.warehouse, in: tx)
            let currencies = Dictionary(lots.map { ($0.lot.code, $0.currency) }, uniquingKeysWith: { first, _ in first })
            for pick in try FEFO.pick(need.quantity, from: lots.map(\.lot), today: today.startOfDayUTC) {
                try await tx.queue(
                    PostgresQuery(
                        unsafeSQL: "UPDATE \(table).lots SET on_hand = on_hand - $4 WHERE sku = $1 AND warehouse = $2 AND lot = $3",
                        binds: [need.sku, need.warehouse, pick.lot, pick.quantity]))
                try await record(
                    "issue", sku: need.sku, warehouse: need.warehouse, lot: pick.lot, quantity: -pick.quantity, reference: order, order: order,
                    shipment: shipment, in: tx)
                issued.append(
                    IssuedLot(
                        sku: need.sku, warehouse: need.warehouse, lot: pick.lot, quantity: pick.quantity,
                        unitCost: Money(minorUnits: pick.unitCost, currency: currencies[pick.lot]!)))
            }
            try await tx.queue(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE \(table).stock SET on_hand = on_hand - $3, reserved = reserved - $3 WHERE sku = $1 AND warehouse = $2
                        """, binds: [need.sku, need.warehouse, need.quantity]))
        }
        return issued
    }

    /// Why an adjustment or count was refused.
    public struct AdjustmentRefusal: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Changes a lot's quantity by `delta` (damage, loss, found stock) with a reason. The
    /// result may not go below zero, nor below what is reserved.
    /// Changes a lot's on hand by `delta`; returns the cost of one of its units.
    @discardableResult
    public func adjust(
        sku: String, warehouse: String, lot: String, delta: Int, reason: String, in tx: PostgresTransaction
    ) async throws -> Money {
        guard delta != 0 else { return try await lotCost(sku: sku, warehouse: warehouse, lot: lot, in: tx) }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw AdjustmentRefusal(reason: "an adjustment needs a reason")
        }
        guard
            let lotRow = try await tx.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE \(table).lots SET on_hand = on_hand + $4 WHERE sku = $1 AND warehouse = $2 AND lot = $3 AND on_hand + $4 >= 0
                        RETURNING unit_cost_minor, currency
                        """, binds: [sku, warehouse, lot, delta])
            ).first
        else {
            throw AdjustmentRefusal(reason: "lot \(lot) of \(sku) in \(warehouse) does not exist or holds fewer than \(-delta) units")
        }
        let cost = Money(minorUnits: try lotRow.decode(Int64.self, at: 0), currency: try Currency(code: try lotRow.decode(String.self, at: 1)))
        let stockRow = try await tx.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE \(table).stock SET on_hand = on_hand + $3 WHERE sku = $1 AND warehouse = $2 AND on_hand + $3 >= reserved
                    """, binds: [sku, warehouse, delta]))
        guard stockRow.affectedRows == 1 else {
            throw AdjustmentRefusal(reason: "removing \(-delta) units of \(sku) in \(warehouse) would leave less than is reserved")
        }
        try await record("adjustment", sku: sku, warehouse: warehouse, lot: lot, quantity: delta, reference: reason, in: tx)
        return cost
    }

    /// Records a cycle count of a lot: the difference to the books becomes an adjustment.
    /// Returns that difference (0 when the count agrees).
    @discardableResult
    public func count(
        sku: String, warehouse: String, lot: String, counted: Int, countReference: String, in tx: PostgresTransaction
    ) async throws -> Int {
        guard counted >= 0 else { throw AdjustmentRefusal(reason: "a counted quantity cannot be negative (\(counted))") }
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT on_hand FROM \(table).lots WHERE sku = $1 AND warehouse = $2 AND lot = $3 FOR UPDATE",
                    binds: [sku, warehouse, lot])
            ).first
        else { throw AdjustmentRefusal(reason: "lot \(lot) of \(sku) in \(warehouse) does not exist") }
        let delta = counted - (try row.decode(Int.self, at: 0))
        guard delta != 0 else { return 0 }
        try await adjust(sku: sku, warehouse: warehouse, lot: lot, delta: delta, reason: "cycle count \(countReference)", in: tx)
        return delta
    }

    /// On hand, reserved and available of one SKU in one warehouse (zeros if never stocked).
    public func level(sku: String, warehouse: String, in tx: PostgresTransaction) async throws -> (onHand: Int, reserved: Int, available: Int) {
        guard
            let row = try await tx.query(
                PostgresQuery(
                    unsafeSQL: "SELECT on_hand, reserved FROM \(table).stock WHERE sku = $1 AND warehouse = $2", binds: [sku, warehouse])
            ).first
        else { return (0, 0, 0) }
        let onHand = try row.decode(Int.self, column: "on_hand"), reserved = try row.decode(Int.self, column: "reserved")
        return (onHand, reserved, onHand - reserved)
    }

    func record(
        _ kind: String, sku: String, warehouse: String, lot: String?, quantity: Int, reference: String?, order: String? = nil,
        shipment: String? = nil, in tx: PostgresTransaction
    ) async throws {
        try await tx.queue(
            """
            INSERT INTO \(identifier: schema).movements (kind, sku, warehouse, lot, quantity, reference, order_ref, shipment)
            VALUES (\(kind), \(sku), \(warehouse), \(lot), \(quantity), \(reference), \(order), \(shipment))
            """)
    }
}
