import ArgumentParser
import Contracts
import Finance
import Foundation
import Messaging
import ServiceKit

/// `erpctl finance supplier-bill|bills|approve-bill|reject-bill`: supplier bills matched
/// against their purchase order and receipts.
extension FinanceCommands {
    struct SupplierBill: SendsCommand {
        static let configuration = CommandConfiguration(
            commandName: "supplier-bill",
            abstract: "Record a supplier's bill for a purchase order: booked if it matches the order and receipts, held with its reasons if not.",
            discussion: """
                Each --line is ORDER_LINE:QUANTITY:UNIT_PRICE (net of VAT), e.g. --line 1:10:25.00; --amount is the bill's total \
                including VAT as printed on it; --tax the VAT it states (default: the VAT of its lines at their SKUs' rates).
                """)
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "The supplier's code.") var supplier: String
        @Option(help: "The purchase order it bills (PO-1).") var po: String
        @Option(help: "The supplier's number for the bill.") var number: String
        @Option(help: "ORDER_LINE:QUANTITY:UNIT_PRICE, repeated.") var line: [String] = []
        @Option(help: "The bill's total including VAT.") var amount: String
        @Option(help: "The VAT the bill states.") var tax: String?
        @Option var currency = "CNY"
        @Option(help: "The bill's date (YYYY-MM-DD); default: today.") var date: String?

        func validate() throws { _ = try command() }

        func command() throws -> FinanceCommand.RecordSupplierBill {
            guard !line.isEmpty else { throw ValidationError("--line: a bill has at least one line (ORDER_LINE:QUANTITY:UNIT_PRICE)") }
            let lines = try line.map { text -> FinanceCommand.RecordSupplierBill.Line in
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3, let orderLine = Int(parts[0]), let quantity = Int(parts[1]) else {
                    throw ValidationError("--line '\(text)' is not ORDER_LINE:QUANTITY:UNIT_PRICE (e.g. 1:10:25.00)")
                }
                return .init(orderLine: orderLine, quantity: quantity, unitPrice: try money(parts[2], currency: currency, option: "--line '\(text)'"))
            }
            return FinanceCommand.RecordSupplierBill(
                supplier: supplier, purchaseOrder: po, number: number, lines: lines,
                amount: try money(amount, currency: currency, option: "--amount"),
                tax: try money(tax, currency: currency, option: "--tax"), billDate: try date.map { try parseDate($0, option: "--date") })
        }
    }

    struct Bills: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Supplier bills, what is open on each, and why held ones are held.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option var supplier: String?
        @Flag(help: "Held bills only.") var held = false
        func run() async throws {
            try await report.withPool { printReport(try await Statements().supplierBills(supplier: supplier, heldOnly: held, $0), json: report.json) }
        }
    }

    struct ApproveBill: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "approve-bill", abstract: "Book a held supplier bill as it is.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var supplier: String
        @Option var number: String
        @Option(help: "Why it is approved.") var note: String
        func command() throws -> FinanceCommand.DecideSupplierBill {
            FinanceCommand.DecideSupplierBill(supplier: supplier, number: number, approve: true, note: note)
        }
    }

    struct RejectBill: SendsCommand {
        static let configuration = CommandConfiguration(commandName: "reject-bill", abstract: "Reject a held supplier bill (it is never booked).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var supplier: String
        @Option var number: String
        @Option(help: "Why it is rejected.") var note: String
        func command() throws -> FinanceCommand.DecideSupplierBill {
            FinanceCommand.DecideSupplierBill(supplier: supplier, number: number, approve: false, note: note)
        }
    }
}

/// A `YYYY-MM-DD` option.
func parseDate(_ text: String, option: String) throws -> BusinessDate {
    do { return try BusinessDate(text) } catch { throw ValidationError("\(option): \(error)") }
}

/// `erpctl finance import-settlement` and `finance settlements`: platforms' payout reports.
extension FinanceCommands {
    struct ImportSettlement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-settlement",
            abstract: "Book a platform's settlement file: fees as expense, payouts into the bank, platform clearing settled; each line once.",
            discussion: """
                --format erp (default): a CSV with the header order,type,gross,fee,refund,net,payout_date,currency, one line per order \
                (type order) or adjustment; net must be gross - fee - refund. --format shopify: Shopify's payment transactions export \
                (Type, Order, Payout Date, Amount, Fee, Net, Currency). Orders the file names that are unknown, not paid on the platform \
                in the books, of another gross, or refunded without a credit note are reported; importing the same file again books nothing.
                """)
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "The platform, as orders name it (shopify, web...).") var platform: String
        @Option(help: "erp or shopify.") var format = SettlementFile.Format.erp
        @Argument(help: "The settlement file (CSV).") var file: String

        func run() async throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ControlFailure(description: "cannot read \(file): \(error)")
            }
            let read: SettlementFile.Read
            do { read = try SettlementFile.read(text, format: format) } catch { throw ControlFailure(description: "\(file) is refused:\n\(error)") }
            let name = String((file.split(separator: "/").last ?? Substring(file)).suffix(100))
            let chunks = stride(from: 0, to: read.lines.count, by: 2_000).map { Array(read.lines[$0..<min($0 + 2_000, read.lines.count)]) }
            let broker = try servers.broker()
            let outcomes = try await reporting("importing \(file)") {
                let client = try await CommandClient.connect(broker, exchange: output.commandsExchange)
                do {
                    let envelopes = try chunks.map { try client.envelope(FinanceCommand.ImportSettlement(platform: platform, file: name, lines: $0)) }
                    let outcomes = try await client.send(envelopes, timeout: .seconds(output.timeout))
                    await client.close()
                    return envelopes.compactMap { outcomes[$0.id] }
                } catch {
                    await client.close()
                    throw error
                }
            }
            var total = FinanceCommand.SettlementImported(booked: 0, alreadyBooked: 0, problems: [])
            for outcome in outcomes {
                if outcome.status == .refused { throw ControlFailure(description: "refused (\(outcome.code ?? "")): \(outcome.reason ?? "")") }
                let result = try outcome.decodeResult(FinanceCommand.SettlementImported.self)
                total.booked += result.booked
                total.alreadyBooked += result.alreadyBooked
                total.problems += result.problems
            }
            if output.json { return try printJSON(total) }
            print("booked \(total.booked) lines, \(total.alreadyBooked) booked before, \(read.skipped) rows skipped (payouts, not paid out yet)")
            if !total.problems.isEmpty {
                print("\(total.problems.count) lines disagree with the books:")
                print(
                    ReportTable(columns: ["row", "order", "problem"], rows: total.problems.map { ["\($0.row)", $0.externalId, $0.problem] }).table)
            }
        }
    }

    struct Settlements: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Settlement lines booked, with what disagreed with the books.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option var platform: String?
        @Flag(help: "Lines with a problem only.") var problems = false
        func run() async throws {
            try await report.withPool {
                printReport(try await Statements().settlements(platform: platform, problemsOnly: problems, $0), json: report.json)
            }
        }
    }
}

extension SettlementFile.Format: ExpressibleByArgument {}
