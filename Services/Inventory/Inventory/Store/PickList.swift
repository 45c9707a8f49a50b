import Contracts
import Foundation
import Postgres
import ServiceKit

/// What a warehouse is to pick: every reserved order line waiting to ship from it, oldest
/// order first, with the lots FEFO takes for it (the lots an earlier order in the list takes
/// are not offered to a later one; expired lots are never offered). With `orders`, only
/// those orders' lines (erpctl passes the orders that are allocated: paid and reserved).
extension InventoryReports {
    public func pickList(warehouse: String, orders: [String]? = nil, today: BusinessDate = .today(), _ pool: PostgresPool) async throws -> ReportTable
    {
        let reserved = try await pool.query(
            """
            SELECT r.order_id, r.line, r.sku, r.quantity, to_char(o.since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS since
            FROM \(identifier: schema).reservations r
            JOIN (SELECT order_id, min(created_at) AS since FROM \(identifier: schema).reservations
                  WHERE warehouse = \(warehouse) GROUP BY order_id) o ON o.order_id = r.order_id
            WHERE r.warehouse = \(warehouse) AND (\(orders == nil) OR r.order_id = ANY(\(orders ?? [])::text[]))
            ORDER BY o.since, r.order_id, r.line
            """)
        let lotRows = try await pool.query(
            """
            SELECT sku, lot, expiry::text AS expiry, received_at, on_hand, unit_cost_minor FROM \(identifier: schema).lots
            WHERE warehouse = \(warehouse) AND on_hand > 0 AND sku = ANY(\(Array(Set(try reserved.map { try $0.decode(String.self, column: "sku") })))::text[])
            """)
        var lots: [String: [FEFO.Lot]] = [:]
        for row in lotRows {
            let expiry = try row.decode(String?.self, column: "expiry").flatMap { try? BusinessDate($0).startOfDayUTC }
            lots[try row.decode(String.self, column: "sku"), default: []].append(
                FEFO.Lot(
                    code: try row.decode(String.self, column: "lot"), expiry: expiry, receivedAt: try row.decode(Date.self, column: "received_at"),
                    quantity: try row.decode(Int.self, column: "on_hand"), unitCost: try row.decode(Int64.self, column: "unit_cost_minor")))
        }
        var rows: [[String?]] = []
        for row in reserved {
            let order = try row.decode(String.self, column: "order_id"), line = try row.decode(Int.self, column: "line")
            let sku = try row.decode(String.self, column: "sku"), quantity = try row.decode(Int.self, column: "quantity")
            let since = try row.decode(String.self, column: "since")
            let offered = lots[sku] ?? []
            guard let picks = try? FEFO.pick(quantity, from: offered, today: today.startOfDayUTC) else {
                let usable = offered.filter { $0.expiry.map { $0 >= today.startOfDayUTC } ?? true }.reduce(0) { $0 + $1.quantity }
                rows.append([order, String(line), sku, String(quantity), nil, nil, nil, since, "short: \(usable) unexpired units left in the lots"])
                continue
            }
            for pick in picks {
                let lot = offered.first { $0.code == pick.lot }!
                rows.append([
                    order, String(line), sku, String(quantity), pick.lot, String(pick.quantity),
                    lot.expiry.map { BusinessDate(utcDayOf: $0).description }, since, nil,
                ])
            }
            // What this order takes is not offered to the next.
            lots[sku] = offered.map { lot in
                let taken = picks.first { $0.lot == lot.code }?.quantity ?? 0
                return FEFO.Lot(
                    code: lot.code, expiry: lot.expiry, receivedAt: lot.receivedAt, quantity: lot.quantity - taken, unitCost: lot.unitCost)
            }
        }
        return ReportTable(
            columns: ["order", "line", "sku", "quantity", "lot", "take", "expiry", "reserved_at", "note"], rows: rows,
            numericColumns: ["line", "quantity", "take"])
    }
}
