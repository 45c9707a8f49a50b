import ArgumentParser
import CRM
import Contracts
import Foundation

/// `erpctl crm ticket ...` and `crm tickets`: customer service.
extension CRMCommands {
    struct Ticket: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Customer service tickets: open, reply, assign, move, reopen, show.",
            subcommands: [Open.self, Reply.self, Assign.self, Status.self, Reopen.self, Show.self])

        struct Open: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Open a ticket; its deadlines follow from its priority.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option var customer: Int64
            @Option(help: "enquiry, complaint, suggestion, repair or resend.") var kind: TicketKind
            @Option var subject: String
            @Option(help: "The order it is about.") var order: Int64?
            @Option(help: "low, normal, high or urgent.") var priority = TicketPriority.normal
            @Option(
                name: .customLong("line"),
                help: "LINE:QUANTITY of the order, once per line (repair: the goods come back to be repaired; resend: they ship again, free).")
            var lines: [String] = []

            func validate() throws {
                if kind == .repair || kind == .resend {
                    guard order != nil else { throw ValidationError("a \(kind.rawValue) ticket needs --order") }
                    guard !lines.isEmpty else { throw ValidationError("a \(kind.rawValue) ticket needs at least one --line LINE:QUANTITY") }
                } else if !lines.isEmpty {
                    throw ValidationError("--line is for repair and resend tickets")
                }
                _ = try lines.map { try lineQuantity($0, option: "--line") }
            }

            func command() throws -> CRMCommand.OpenTicket {
                CRMCommand.OpenTicket(
                    customer: customer, kind: kind, subject: subject, order: order, priority: priority, actor: who.actor,
                    lines: lines.isEmpty ? nil : try lines.map { try lineQuantity($0, option: "--line") })
            }
        }

        struct Reply: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write on a ticket: our reply (the first is the first response), or with --from-customer what the customer wrote.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option var ticket: Int64
            @Option var body: String
            @Flag(name: .customLong("from-customer"), help: "The customer wrote it.") var fromCustomer = false

            func command() throws -> CRMCommand.ReplyToTicket {
                CRMCommand.ReplyToTicket(ticket: ticket, body: body, direction: fromCustomer ? .inbound : .outbound, actor: who.actor)
            }
        }

        struct Assign: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Give a ticket to someone.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option var ticket: Int64
            @Option(name: .customLong("to")) var assignee: String

            func command() throws -> CRMCommand.AssignTicket { CRMCommand.AssignTicket(ticket: ticket, assignee: assignee, actor: who.actor) }
        }

        struct Status: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract: "Move a ticket: open → in_progress | waiting_customer → resolved → closed.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option var ticket: Int64
            @Option(name: .customLong("to"), help: "in_progress, waiting_customer, resolved or closed.") var status: TicketStatus
            @Option var note: String?
            @Option(help: "Resolving a repair ticket: repaired (the goods go back, free) or unrepairable (they are refunded).")
            var repair: RepairOutcome?

            func validate() throws {
                if repair != nil, status != .resolved { throw ValidationError("--repair goes with --to resolved") }
            }

            func command() throws -> CRMCommand.ChangeTicketStatus {
                CRMCommand.ChangeTicketStatus(ticket: ticket, to: status, note: note, actor: who.actor, repair: repair)
            }
        }

        struct Reopen: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Open a resolved or closed ticket again, with new deadlines.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option var ticket: Int64
            @Option var reason: String

            func command() throws -> CRMCommand.ReopenTicket { CRMCommand.ReopenTicket(ticket: ticket, reason: reason, actor: who.actor) }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "A ticket with its deadlines, messages and history.")
            @OptionGroup var report: ReportOptions
            @Option var ticket: Int64

            func run() async throws {
                var found: TicketQueries.Detail?
                try await report.withPool { found = try await TicketQueries().detail(ticket, $0) }
                guard let detail = found else { throw ControlFailure(description: "no ticket \(ticket)") }
                if report.json {
                    print(String(decoding: try prettyJSON(detail), as: UTF8.self))
                    return
                }
                func time(_ date: Date?) -> String { date.map { UTCTimestamp.string(from: $0) } ?? "-" }
                var lines = [
                    "ticket \(detail.ticket) (\(detail.kind), \(detail.priority)): \(detail.subject)",
                    "customer \(detail.customer)\(detail.order.map { ", order \($0)" } ?? ""), \(detail.status), assigned to \(detail.assignee ?? "nobody")",
                    "opened \(time(detail.openedAt)); first response due \(time(detail.firstResponseDue)) (given \(time(detail.firstResponseAt))); resolution due \(time(detail.resolutionDue))",
                ]
                if let breached = detail.firstResponseBreachedAt { lines.append("first response deadline breached \(time(breached))") }
                if let breached = detail.resolutionBreachedAt { lines.append("resolution deadline breached \(time(breached))") }
                lines.append("messages:")
                for message in detail.messages { lines.append("  \(time(message.at))  \(message.direction)  \(message.author): \(message.body)") }
                lines.append("history:")
                for change in detail.history {
                    lines.append(
                        "  \(time(change.at))  \(change.from ?? "-") → \(change.to) by \(change.actor)\(change.note.map { ": \($0)" } ?? "")")
                }
                print(lines.joined(separator: "\n"))
            }
        }
    }

    struct Tickets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tickets, newest first.")
        @OptionGroup var report: ReportOptions
        @Flag(help: "Only those not resolved or closed.") var open = false
        @Flag(help: "Only open ones past a deadline.") var overdue = false
        @Option var assignee: String?
        @Option(help: "At most this many (1-10000).") var limit = 100

        func validate() throws { guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") } }

        func run() async throws {
            try await report.withPool {
                printReport(try await TicketQueries().list(open: open, overdue: overdue, assignee: assignee, limit: limit, $0), json: report.json)
            }
        }
    }
}

extension CRMCommands {
    struct Survey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Satisfaction surveys.", subcommands: [Answer.self])

        struct Answer: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract: "Record a customer's answer by the survey's token; CSAT 1-2 or NPS 0-6 opens a complaint ticket.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option var token: String
            @Option(help: "1 to 5.") var csat: Int
            @Option(help: "0 to 10.") var nps: Int?
            @Option var comment: String?
            @Option(help: "Where the answer came from.") var source = "erpctl"

            func command() throws -> CRMCommand.AnswerSurvey {
                CRMCommand.AnswerSurvey(token: token, csat: csat, nps: nps, comment: comment, source: source)
            }
        }
    }

    struct Satisfaction: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "CSAT average, NPS and response rate of the surveys sent, by month, platform or SKU.")
        @OptionGroup var report: ReportOptions
        @Option(help: "Surveys sent from this day (YYYY-MM-DD).") var from: String?
        @Option(help: "Surveys sent before this day (YYYY-MM-DD).") var to: String?
        @Option(help: "month, platform or sku.") var by = SurveyQueries.Grouping.month

        func day(_ text: String?, _ option: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = ISODateTime.parse(text + "T00:00:00Z") else { throw ValidationError("\(option) '\(text)' is not a day (YYYY-MM-DD)") }
            return date
        }

        func validate() throws {
            if let start = try day(from, "--from"), let end = try day(to, "--to"), end <= start {
                throw ValidationError("--to must come after --from")
            }
        }

        func run() async throws {
            let (start, end) = (try day(from, "--from"), try day(to, "--to"))
            try await report.withPool { printReport(try await SurveyQueries().satisfaction(from: start, to: end, by: by, $0), json: report.json) }
        }
    }
}

extension SurveyQueries.Grouping: ExpressibleByArgument {}
extension TicketKind: ExpressibleByArgument {}
extension RepairOutcome: ExpressibleByArgument {}
extension TicketPriority: ExpressibleByArgument {}
extension TicketStatus: ExpressibleByArgument {}
