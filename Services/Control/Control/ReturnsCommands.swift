import ArgumentParser
import Contracts
import Foundation
import Postgres
import ServiceKit

/// `erpctl returns ...`: returns (RMA) of delivered orders, through the return saga.
struct ReturnsCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "returns", abstract: "Returns (RMA): create, exchange, receive (inspection), list.",
        subcommands: [Create.self, ExchangeOrder.self, Receive.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask for a return of some units of a delivered order (saga: approve → goods → restock → refund → close).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option(name: .customLong("line"), help: "LINE:QUANTITY, once per line returned.") var lines: [String] = []
        @Option(help: "return, refund_only or return_without_refund.") var kind = ReturnKind.return
        @Option var reason: String
        @Flag(help: "Wait until the saga ends (a return with goods waits for `returns receive`).") var wait = false

        func validate() throws {
            guard !lines.isEmpty else { throw ValidationError("give at least one --line LINE:QUANTITY") }
            _ = try lines.map { try lineQuantity($0, option: "--line") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason is empty") }
        }

        func run() async throws {
            try await startSaga(
                SagaRequest.StartReturn(
                    order: order, lines: try lines.map { try lineQuantity($0, option: "--line") }, kind: kind, reason: reason),
                servers: servers, output: output, wait: wait)
        }
    }

    struct Receive: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Record the goods of a return as received and inspected.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var rma: String
        @Option(name: .customLong("item"), help: "LINE:QUANTITY:sellable|quarantine, for every unit of the return.") var items: [String] = []

        func parsedItems() throws -> [OrderCommand.InspectReturn.Item] {
            guard !items.isEmpty else { throw ValidationError("give at least one --item LINE:QUANTITY:CONDITION") }
            return try items.map { text in
                let fields = text.split(separator: ":").map(String.init)
                guard fields.count == 3, let condition = InventoryCommand.ReturnCondition(rawValue: fields[2]) else {
                    throw ValidationError("--item '\(text)': expected LINE:QUANTITY:sellable|quarantine")
                }
                let line = try lineQuantity("\(fields[0]):\(fields[1])", option: "--item")
                return .init(line: line.line, quantity: line.quantity, condition: condition)
            }
        }

        func validate() throws {
            guard !rma.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--rma is empty") }
            _ = try parsedItems()
        }

        func command() throws -> OrderCommand.InspectReturn { OrderCommand.InspectReturn(rma: rma, items: try parsedItems()) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Returns with their lines, state and refund.")
        @OptionGroup var report: InventoryCommands.ReportOptions
        @Option var order: Int64?
        @Option var limit = 100
        func run() async throws {
            try await report.withPool { pool in
                printReport(
                    ReportTable(
                        try await pool.query(
                            PostgresQuery(
                                unsafeSQL: """
                                    SELECT r.rma, r.order_id, r.kind, r.status, r.refund_minor, r.reason,
                                           string_agg(l.line || ':' || l.sku || ' x' || l.quantity || ' (' || l.sellable || ' sellable, ' || l.damaged || ' damaged)', '; '
                                                      ORDER BY l.line) AS lines,
                                           to_char(r.requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS requested_at
                                    FROM orders.returns r JOIN orders.return_lines l ON l.rma = r.rma
                                    WHERE ($1::bigint IS NULL OR r.order_id = $1) GROUP BY r.rma ORDER BY r.requested_at DESC LIMIT $2
                                    """, binds: [order, limit]))), json: report.json)
            }
        }
    }
}

extension ReturnsCommands {
    struct ExchangeOrder: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exchange",
            abstract: "Exchange returned units for other SKUs (saga: a return, then the replacement ships as a new order paid from the refund).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option(name: .customLong("line"), help: "LINE:QUANTITY returned, once per line.") var lines: [String] = []
        @Option(name: .customLong("replace"), help: "SKU:QUANTITY sent instead, once per SKU.") var replacements: [String] = []
        @Option var reason: String
        @Flag(help: "Wait until the saga ends (it waits for `returns receive`).") var wait = false

        func parsedReplacements() throws -> [ReplacementLine] {
            guard !replacements.isEmpty else { throw ValidationError("give at least one --replace SKU:QUANTITY") }
            return try replacements.map { text in
                guard let colon = text.lastIndex(of: ":"), let quantity = Int(text[text.index(after: colon)...]), quantity > 0,
                    colon != text.startIndex
                else {
                    throw ValidationError("--replace '\(text)': expected SKU:QUANTITY with a quantity of at least 1")
                }
                return ReplacementLine(sku: String(text[..<colon]), quantity: quantity)
            }
        }

        func validate() throws {
            guard !lines.isEmpty else { throw ValidationError("give at least one --line LINE:QUANTITY") }
            _ = try lines.map { try lineQuantity($0, option: "--line") }
            _ = try parsedReplacements()
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason is empty") }
        }

        func run() async throws {
            try await startSaga(
                SagaRequest.StartExchange(
                    order: order, lines: try lines.map { try lineQuantity($0, option: "--line") }, replacements: try parsedReplacements(),
                    reason: reason),
                servers: servers, output: output, wait: wait)
        }
    }
}
