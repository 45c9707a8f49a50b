import ArgumentParser
import Contracts
import Foundation
import Inventory
import Postgres

/// `erpctl purchasing ...`: suppliers and purchase orders (commands published, outcome
/// awaited) and their lists.
struct PurchasingCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purchasing", abstract: "Suppliers and purchase orders.", subcommands: [Supplier.self, PO.self])

    struct ReportOptions: ParsableArguments {
        @OptionGroup var servers: ServerOptions
        @Flag(help: "Print JSON instead of a table.") var json = false
        func withPool(_ body: (PostgresPool) async throws -> Void) async throws { try await servers.reading("purchasing", body) }
    }

    static func currency(_ code: String) throws -> Currency {
        do { return try Currency(code: code) } catch { throw ValidationError("--currency: \(error)") }
    }

    struct Supplier: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suppliers and what each sells.", subcommands: [Add.self, Update.self, Item.self, List.self, Show.self])

        struct Add: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Add a supplier.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option(help: "The code every other command names it by.") var code: String
            @Option var name: String
            @Option var contact: String?
            @Option var email: String?
            @Option(help: "The currency it bills in.") var currency = "CNY"
            @Option(name: .customLong("terms-days"), help: "Days after the bill that payment is due.") var termsDays = 30
            func command() throws -> PurchasingCommand.AddSupplier {
                PurchasingCommand.AddSupplier(
                    code: code, name: name, contact: contact, email: email, currency: try PurchasingCommands.currency(currency),
                    paymentTermsDays: termsDays)
            }
        }

        struct Update: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Change a supplier; what is not given stays.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var code: String
            @Option var name: String?
            @Option var contact: String?
            @Option var email: String?
            @Option var currency: String?
            @Option(name: .customLong("terms-days")) var termsDays: Int?
            @Flag(inversion: .prefixedNo, help: "Whether new orders may go to it.") var active: Bool?
            func command() throws -> PurchasingCommand.UpdateSupplier {
                PurchasingCommand.UpdateSupplier(
                    code: code, name: name, contact: contact, email: email, currency: try currency.map(PurchasingCommands.currency),
                    paymentTermsDays: termsDays, active: active)
            }
        }

        struct Item: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract: "Set what a supplier sells of a SKU: lead time, minimum order, pack size, last price, preferred.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var supplier: String
            @Option var sku: String
            @Option(name: .customLong("lead-time-days")) var leadTimeDays: Int
            @Option(name: .customLong("moq"), help: "Fewest units per order.") var minimumOrder = 1
            @Option(name: .customLong("pack"), help: "Units per pack: orders are whole packs.") var packSize = 1
            @Option(help: "Price of one unit, e.g. 12.50, in --currency (the supplier's).") var price: String?
            @Option var currency = "CNY"
            @Flag(help: "Draft this SKU's purchase requests to this supplier.") var preferred = false
            func command() throws -> PurchasingCommand.SetSupplierItem {
                PurchasingCommand.SetSupplierItem(
                    supplier: supplier, sku: sku, leadTimeDays: leadTimeDays, minimumOrder: minimumOrder, packSize: packSize,
                    price: try money(price, currency: currency, option: "--price"), preferred: preferred)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The suppliers.")
            @OptionGroup var report: ReportOptions
            @Flag(help: "Include inactive ones.") var all = false
            func run() async throws {
                try await report.withPool { printReport(try await PurchasingReports().suppliers(includeInactive: all, $0), json: report.json) }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "What a supplier sells, with its terms.")
            @OptionGroup var report: ReportOptions
            @Option var code: String
            func run() async throws {
                try await report.withPool { printReport(try await PurchasingReports().items(supplier: code, $0), json: report.json) }
            }
        }
    }

    struct PO: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "po", abstract: "Purchase orders: draft → approved → sent → received → closed, or cancelled.",
            subcommands: [Draft.self, Create.self, AddLine.self, Approve.self, Send.self, Cancel.self, Close.self, List.self, Show.self])

        struct Draft: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract: "Draft orders from the open purchase requests: one per preferred supplier and warehouse, rounded to MOQ and pack.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            func command() throws -> PurchasingCommand.DraftFromRequests { PurchasingCommand.DraftFromRequests() }
        }

        struct Create: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Create an empty draft order.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var supplier: String
            @Option var warehouse: String
            @Option(help: "Expected delivery, YYYY-MM-DD.") var expected: String?
            func command() throws -> PurchasingCommand.CreateOrder {
                let date: BusinessDate?
                do { date = try expected.map { try BusinessDate($0) } } catch { throw ValidationError("--expected: \(error)") }
                return PurchasingCommand.CreateOrder(supplier: supplier, warehouse: warehouse, expected: date)
            }
        }

        struct AddLine: SendsCommand {
            static let configuration = CommandConfiguration(
                commandName: "add-line", abstract: "Add a line to a draft order (price: the supplier's last, unless given).")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var order: String
            @Option var sku: String
            @Option(name: .customLong("qty")) var quantity: Int
            @Option(name: .customLong("unit-price")) var unitPrice: String?
            @Option var currency = "CNY"
            func command() throws -> PurchasingCommand.AddLine {
                PurchasingCommand.AddLine(
                    order: order, sku: sku, quantity: quantity, unitPrice: try money(unitPrice, currency: currency, option: "--unit-price"))
            }
        }

        struct Approve: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Approve a draft order.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var order: String
            func command() throws -> PurchasingCommand.Approve { PurchasingCommand.Approve(order: order) }
        }

        struct Send: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Send an approved order to its supplier (announced as purchasing.po.sent.v1).")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var order: String
            func command() throws -> PurchasingCommand.Send { PurchasingCommand.Send(order: order) }
        }

        struct Cancel: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Cancel an order nothing was received against; its requests open again.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var order: String
            @Option var reason: String
            func command() throws -> PurchasingCommand.Cancel { PurchasingCommand.Cancel(order: order, reason: reason) }
        }

        struct Close: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Close a received or partly received order: nothing more is expected.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var order: String
            func command() throws -> PurchasingCommand.Close { PurchasingCommand.Close(order: order) }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Purchase orders, newest first.")
            @OptionGroup var report: ReportOptions
            @Option(help: "Only orders in this status.") var status: PurchaseOrderStatus?
            @Option var supplier: String?
            func run() async throws {
                try await report.withPool {
                    printReport(try await PurchasingReports().orders(status: status?.rawValue, supplier: supplier, $0), json: report.json)
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "An order's lines.")
            @OptionGroup var report: ReportOptions
            @Option var order: String
            func run() async throws {
                try await report.withPool { printReport(try await PurchasingReports().lines(order: order, $0), json: report.json) }
            }
        }
    }
}

extension PurchaseOrderStatus: ExpressibleByArgument {}
