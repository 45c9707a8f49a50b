import ArgumentParser
import Contracts
import Foundation
import Inventory
import Orders
import Postgres

/// `erpctl inventory ...`: every inventory command (published, outcome awaited) and the reports.
struct InventoryCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory", abstract: "Warehouses, stock, reservations, transfers, returns, reorder rules and reports.",
        subcommands: [
            AddWarehouse.self, Receive.self, Adjust.self, Count.self, Reserve.self, Release.self, Issue.self, Return.self,
            Transfer.self, ReorderRule.self, Levels.self, Valuation.self, Expiring.self, SlowMovers.self, StockOuts.self,
            PurchaseRequests.self, Transfers.self, Trace.self, Recall.self, Check.self,
        ])

    struct AddWarehouse: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "add-warehouse", abstract: "Add a warehouse.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var code: String
        @Option var name: String
        @Option var region: String
        func command() throws -> InventoryCommand.AddWarehouse { InventoryCommand.AddWarehouse(code: code, name: name, region: region) }
    }

    struct Receive: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Receive units from a supplier into a lot.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var sku: String
        @Option var warehouse: String
        @Option(name: .customLong("qty")) var quantity: Int
        @Option var lot: String
        @Option(help: "Expiry date, YYYY-MM-DD.") var expiry: String?
        @Option(name: .customLong("unit-cost"), help: "Cost of one unit, e.g. 12.50 (against a purchase order: its price).") var unitCost: String?
        @Option var currency = "CNY"
        @Option(name: .customLong("purchase-ref"), help: "Supplier order or delivery note.") var purchaseReference: String?
        @Option(name: .customLong("purchase-request"), help: "Open purchase request this receipt answers (closes it).") var purchaseRequest: Int64?
        @Option(name: .customLong("po"), help: "The purchase order this receipt is against (with --line).") var purchaseOrder: String?
        @Option(name: .customLong("line"), help: "The order's line.") var orderLine: Int?

        func validate() throws {
            _ = try parsedExpiry()
            _ = try parsedCost()
            guard quantity > 0 else { throw ValidationError("--qty must be at least 1") }
        }
        func parsedExpiry() throws -> BusinessDate? {
            do { return try expiry.map { try BusinessDate($0) } } catch { throw ValidationError("--expiry: \(error)") }
        }
        func parsedCost() throws -> Money? {
            guard unitCost != nil || purchaseOrder != nil else { throw ValidationError("--unit-cost is needed unless the receipt names --po") }
            return try money(unitCost, currency: currency, option: "--unit-cost")
        }
        func command() throws -> InventoryCommand.Receive {
            InventoryCommand.Receive(
                sku: sku, warehouse: warehouse, lot: lot, expiry: try parsedExpiry(), unitCost: try parsedCost(), quantity: quantity,
                purchaseReference: purchaseReference, purchaseRequest: purchaseRequest, purchaseOrder: purchaseOrder, orderLine: orderLine)
        }
    }

    struct Adjust: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Change a lot by a number of units, with a reason.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var sku: String
        @Option var warehouse: String
        @Option var lot: String
        // .unconditional: `--delta -2` is the value -2, not an unknown option.
        @Option(parsing: .unconditional, help: "Units to add (negative to remove).") var delta: Int
        @Option var reason: String
        @Option(help: "Take inspected units out of quarantine: restock (positive delta) or write-off (negative delta).")
        var quarantine: InventoryCommand.QuarantineDisposition?
        func command() throws -> InventoryCommand.Adjust {
            InventoryCommand.Adjust(sku: sku, warehouse: warehouse, lot: lot, delta: delta, reason: reason, quarantine: quarantine)
        }
    }

    struct Count: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Record a cycle count of a lot; the difference becomes an adjustment.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var sku: String
        @Option var warehouse: String
        @Option var lot: String
        @Option var counted: Int
        @Option(help: "Count sheet or session reference.") var reference: String
        func command() throws -> InventoryCommand.Count {
            InventoryCommand.Count(sku: sku, warehouse: warehouse, lot: lot, counted: counted, reference: reference)
        }
    }

    struct Reserve: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Reserve an order's lines (all or nothing).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: String
        @Option(name: .customLong("line"), help: "SKU:QUANTITY, once per line, in order.") var lines: [String] = []
        @Option(help: "Shipping region (prefers warehouses there).") var region: String?

        func validate() throws { _ = try parsedLines() }
        func parsedLines() throws -> [InventoryCommand.OrderLine] {
            guard !lines.isEmpty else { throw ValidationError("give at least one --line SKU:QUANTITY") }
            return try lines.enumerated().map { index, text in
                let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, let quantity = Int(parts[1]), quantity > 0 else {
                    throw ValidationError("--line '\(text)': expected SKU:QUANTITY with a quantity of at least 1")
                }
                return InventoryCommand.OrderLine(line: index + 1, sku: String(parts[0]), quantity: quantity)
            }
        }
        func command() throws -> InventoryCommand.Reserve { InventoryCommand.Reserve(order: order, lines: try parsedLines(), shippingRegion: region) }
        var correlationID: String? { order }
    }

    struct Release: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Release what an order holds.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: String
        func command() throws -> InventoryCommand.Release { InventoryCommand.Release(order: order) }
        var correlationID: String? { order }
    }

    struct Issue: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Ship an order's reservations (FEFO lots, FIFO cost).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: String
        func command() throws -> InventoryCommand.Issue { InventoryCommand.Issue(order: order) }
        var correlationID: String? { order }
    }

    struct Return: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Take back returned units: sellable into a lot, or into quarantine.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "Return (RMA) reference.") var reference: String
        @Option var sku: String
        @Option var warehouse: String
        @Option var lot: String
        @Option(name: .customLong("qty")) var quantity: Int
        @Option(help: "sellable or quarantine.") var condition: InventoryCommand.ReturnCondition
        @Option(name: .customLong("unit-cost"), help: "Unit cost when the lot is new to the warehouse.") var unitCost: String?
        @Option var currency = "CNY"

        func validate() throws { _ = try parsedCost() }
        func parsedCost() throws -> Money? {
            try money(unitCost, currency: currency, option: "--unit-cost")
        }
        func command() throws -> InventoryCommand.Return {
            InventoryCommand.Return(
                reference: reference, sku: sku, warehouse: warehouse, lot: lot, quantity: quantity,
                condition: condition, unitCost: try parsedCost())
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move units between warehouses: start, receive, cancel.", subcommands: [Start.self, ReceiveIt.self, Cancel.self])

        struct Start: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Ship units out of a warehouse; they are in transit until received.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var id: String
            @Option var sku: String
            @Option var from: String
            @Option var to: String
            @Option(name: .customLong("qty")) var quantity: Int
            func command() throws -> InventoryCommand.StartTransfer {
                InventoryCommand.StartTransfer(transfer: id, sku: sku, from: from, to: to, quantity: quantity)
            }
        }

        struct ReceiveIt: SendsCommand {
            static let configuration = CommandConfiguration(commandName: "receive", abstract: "Receive an in-transit transfer at its destination.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var id: String
            func command() throws -> InventoryCommand.ReceiveTransfer { InventoryCommand.ReceiveTransfer(transfer: id) }
        }

        struct Cancel: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Put an in-transit transfer back into its source.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var id: String
            func command() throws -> InventoryCommand.CancelTransfer { InventoryCommand.CancelTransfer(transfer: id) }
        }
    }

    struct ReorderRule: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "reorder-rule", abstract: "Set a SKU's min/max reorder rule in a warehouse.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var sku: String
        @Option var warehouse: String
        @Option(name: .customLong("min")) var minimum: Int
        @Option(name: .customLong("max")) var maximum: Int
        func command() throws -> InventoryCommand.SetReorderRule {
            InventoryCommand.SetReorderRule(sku: sku, warehouse: warehouse, minimum: minimum, maximum: maximum)
        }
    }

    // MARK: - Reports

    struct ReportOptions: ParsableArguments {
        @OptionGroup var servers: ServerOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func withPool(_ body: (PostgresPool) async throws -> Void) async throws { try await servers.reading("the inventory", body) }
    }

    struct Levels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "On hand, reserved and available per SKU and warehouse.")
        @OptionGroup var report: ReportOptions
        @Option var sku: String?
        @Option var warehouse: String?
        func run() async throws {
            try await report.withPool { printReport(try await InventoryReports().levels(sku: sku, warehouse: warehouse, $0), json: report.json) }
        }
    }

    struct Valuation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stock value at FIFO lot cost.")
        @OptionGroup var report: ReportOptions
        func run() async throws { try await report.withPool { printReport(try await InventoryReports().valuation($0), json: report.json) } }
    }

    struct Expiring: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lots expiring within N days (or expired).")
        @OptionGroup var report: ReportOptions
        @Option var days: Int = 30
        func validate() throws { guard days >= 0 else { throw ValidationError("--days cannot be negative") } }
        func run() async throws {
            try await report.withPool { printReport(try await InventoryReports().expiring(withinDays: days, $0), json: report.json) }
        }
    }

    struct SlowMovers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "slow-movers", abstract: "Stock with no issue in N days.")
        @OptionGroup var report: ReportOptions
        @Option var days: Int = 90
        func validate() throws { guard days >= 1 else { throw ValidationError("--days must be at least 1") } }
        func run() async throws {
            try await report.withPool { printReport(try await InventoryReports().slowMovers(days: days, $0), json: report.json) }
        }
    }

    struct StockOuts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stock-outs", abstract: "SKUs with nothing available in a warehouse.")
        @OptionGroup var report: ReportOptions
        func run() async throws { try await report.withPool { printReport(try await InventoryReports().stockOuts($0), json: report.json) } }
    }

    struct PurchaseRequests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "purchase-requests", abstract: "Purchase requests raised by reorder rules.")
        @OptionGroup var report: ReportOptions
        @Flag(help: "Include closed requests.") var all = false
        func run() async throws {
            try await report.withPool { printReport(try await InventoryReports().purchaseRequests(includeClosed: all, $0), json: report.json) }
        }
    }

    struct Transfers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Transfers and their status.")
        @OptionGroup var report: ReportOptions
        func run() async throws { try await report.withPool { printReport(try await InventoryReports().transfers($0), json: report.json) } }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove invariant 1 (stock conservation) on the live database.")
        @OptionGroup var report: ReportOptions
        func run() async throws { try await CheckCommand.run(report: report) }
    }
}

extension InventoryCommand.QuarantineDisposition: ExpressibleByArgument {}
extension OrderStatus: ExpressibleByArgument {}
extension InventoryCommand.ReturnCondition: ExpressibleByArgument {}
extension ReturnKind: ExpressibleByArgument {}

/// `erpctl warehouse ...`: what a warehouse is to do.
struct WarehouseCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warehouse", abstract: "What a warehouse is to pick and ship.", subcommands: [PickList.self])

    struct PickList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pick-list",
            abstract: "The allocated lines waiting to ship from a warehouse, oldest order first, with the lots FEFO takes.",
            discussion: "A parcel is confirmed with `erpctl orders ship` or a warehouse.<warehouse>.shipment.confirmed message.")
        @OptionGroup var servers: ServerOptions
        @Option var warehouse: String
        @Option(help: "table, csv or json.") var format = "table"

        func validate() throws {
            guard ["table", "csv", "json"].contains(format) else { throw ValidationError("--format: '\(format)' is not table, csv or json") }
        }
        func run() async throws {
            try await servers.reading("the orders and the inventory") { pool in
                // Only what may ship: orders that are paid and allocated (an unpaid order's reservation waits).
                let allocated = try await OrderQueries().allocated(pool).map(String.init)
                let list = try await InventoryReports().pickList(warehouse: warehouse, orders: allocated, pool)
                print(format == "csv" ? list.csv : format == "json" ? list.json : list.table)
            }
        }
    }
}
