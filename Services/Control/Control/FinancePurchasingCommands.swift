import ArgumentParser
import Contracts
import Finance
import Foundation
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
