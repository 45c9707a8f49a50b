import ArgumentParser
import Contracts
import Foundation
import Inventory
import Postgres
import ServiceKit

/// `erpctl inventory trace` and `inventory recall`: where a lot came from and went, and
/// stopping a bad one.
extension InventoryCommands {
    struct Trace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "A lot's receipt (supplier, order, date, cost), every issue with its order, customer and shipment, returns, transfers, and what is left where."
        )
        @OptionGroup var report: ReportOptions
        @Option var lot: String
        @Option var sku: String?
        @Option(name: .customLong("orders-schema"), help: .hidden) var ordersSchema = "orders"

        func run() async throws {
            var trace: LotTrace?
            var customers: [String: String] = [:]
            try await report.withPool { pool in
                let found = try await LotTrace.of(lot: lot, sku: sku, pool)
                trace = found
                customers = try await LotTraceCustomers.of(found.orders, schema: ordersSchema, pool)
            }
            guard let trace else { return }
            if report.json { return try FinanceCommands.printJSON(Traced(trace: trace, customers: customers)) }
            guard !(trace.receipts.isEmpty && trace.issues.isEmpty && trace.remaining.isEmpty) else {
                throw ControlFailure(description: "no lot \(lot)\(sku.map { " of \($0)" } ?? "") is known")
            }
            print(Self.render(trace, customers: customers))
        }

        struct Traced: Encodable {
            let trace: LotTrace
            let customers: [String: String]
        }

        static func render(_ trace: LotTrace, customers: [String: String]) -> String {
            func day(_ date: Date) -> String { BusinessDate(utcDayOf: date).description }
            let customersByOrder = customers
            func table(_ movements: [LotTrace.Movement], customers: Bool) -> String {
                ReportTable(
                    columns: ["date", "kind", "sku", "warehouse", "quantity", "order"] + (customers ? ["customer", "shipment"] : ["reference"]),
                    rows: movements.map { m in
                        [day(m.at), m.kind, m.sku, m.warehouse, "\(m.quantity)", m.order]
                            + (customers ? [m.order.flatMap { customersByOrder[$0] }, m.shipment] : [m.reference])
                    }, numericColumns: ["quantity"]
                ).table
            }
            var out = ["lot \(trace.lot)"]
            for recall in trace.recalls { out.append("RECALLED (\(recall.sku)) on \(day(recall.at)): \(recall.reason)") }
            out.append("received")
            out.append(
                ReportTable(
                    columns: ["date", "sku", "warehouse", "quantity", "purchase_ref", "supplier", "unit_cost", "expiry"],
                    rows: trace.receipts.map {
                        [
                            day($0.at), $0.sku, $0.warehouse, "\($0.quantity)", $0.reference, $0.supplier, $0.unitCost.description,
                            $0.expiry?.description,
                        ]
                    }, numericColumns: ["quantity"]
                ).table)
            out.append("issued to \(trace.orders.count) orders")
            out.append(table(trace.issues, customers: true))
            if !trace.returns.isEmpty { out += ["returned", table(trace.returns, customers: false)] }
            if !trace.transfers.isEmpty { out += ["transferred", table(trace.transfers, customers: false)] }
            if !trace.adjustments.isEmpty { out += ["adjusted, quarantined, recalled", table(trace.adjustments, customers: false)] }
            out.append("left")
            out.append(
                ReportTable(
                    columns: ["sku", "warehouse", "on_hand", "quarantined", "in_transit"],
                    rows: trace.remaining.map { [$0.sku, $0.warehouse, "\($0.onHand)", "\($0.quarantined)", "\($0.inTransit)"] },
                    numericColumns: ["on_hand", "quarantined", "in_transit"]
                ).table)
            return out.joined(separator: "\n")
        }
    }

    struct Recall: SendsCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Recall a lot: never issued again, what is left moved to quarantine, the orders that received it announced (inventory.lot.recalled.v1)."
        )
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var lot: String
        @Option(help: "The SKU whose lot it is (default: every SKU with a lot of this code).") var sku: String?
        @Option var reason: String
        func command() throws -> InventoryCommand.RecallLot { InventoryCommand.RecallLot(lot: lot, sku: sku, reason: reason) }
    }
}

/// The customer of each order a trace names (name and email, from the orders service's schema).
public enum LotTraceCustomers {
    public static func of(_ orders: [String], schema: String = "orders", _ pool: PostgresPool) async throws -> [String: String] {
        let ids = orders.compactMap { Int64($0) }
        guard !ids.isEmpty else { return [:] }
        var customers: [String: String] = [:]
        for row in try await pool.query(
            """
            SELECT id::text, concat_ws(' ', customer->>'name', '<' || (customer->>'email') || '>') FROM \(identifier: schema).orders
            WHERE id = ANY(\(ids)::bigint[])
            """)
        {
            customers[try row.decode(String.self, at: 0)] = try row.decode(String?.self, at: 1)
        }
        return customers
    }
}
