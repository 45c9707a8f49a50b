import ArgumentParser
import CRM
import Contracts
import Foundation
import Postgres
import ServiceKit

extension NotificationAudience: ExpressibleByArgument {}
extension NotificationChannel: ExpressibleByArgument {}
extension NotificationPurpose: ExpressibleByArgument {}

extension CRMCommands {
    /// `erpctl crm rules list|add|disable|test`: which events notify whom, how.
    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Notification rules: an event (and a condition on its fields), an audience, a channel and a template.",
            subcommands: [RList.self, Add.self, Disable.self, Test.self], defaultSubcommand: RList.self)

        struct RList: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Every rule, enabled or not.")
            @OptionGroup var report: ReportOptions
            func run() async throws {
                var rules: [NotificationStore.Rule] = []
                try await report.withPool { rules = try await NotificationStore().rules($0) }
                if report.json {
                    print(String(decoding: try prettyJSON(rules), as: UTF8.self))
                    return
                }
                let rows: [[String?]] = rules.map {
                    [
                        "\($0.id)", $0.name, $0.enabled ? "yes" : "no", $0.event, $0.condition.json == "{}" ? nil : $0.condition.json,
                        $0.audience.rawValue + ($0.addresses.isEmpty ? "" : " (\($0.addresses.joined(separator: ", ")))"), $0.channel.rawValue,
                        $0.template, $0.purpose.rawValue,
                    ]
                }
                printReport(
                    ReportTable(
                        columns: ["id", "name", "enabled", "event", "condition", "audience", "channel", "template", "purpose"], rows: rows,
                        numericColumns: ["id"]), json: false)
            }
        }

        struct Add: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a rule. Conditions (JSON): platform, from, to, amount_at_least (minor units), sku, warehouse.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option(help: "The rule's name (lower-case letters, digits, _).") var name: String
            @Option(help: "The event type, such as orders.order.status_changed.v1.") var event: String
            @Option(help: "A JSON object, such as '{\"to\": \"shipped\"}' (default: always).") var condition = "{}"
            @Option(help: "customer or team.") var audience: NotificationAudience
            @Option(name: .customLong("to"), help: "A team rule's addresses, comma-separated (default: ERP_CRM_TEAM_ADDRESS).") var to: String?
            @Option(help: "email or webhook.") var channel: NotificationChannel = .email
            @Option(help: "The template's name (erpctl crm templates list).") var template: String
            @Option(help: "transactional, or marketing (sent only to customers who consented).") var purpose: NotificationPurpose = .transactional

            func command() throws -> CRMCommand.AddNotificationRule {
                CRMCommand.AddNotificationRule(
                    name: name, event: event, condition: condition, audience: audience,
                    addresses: to.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [], channel: channel,
                    template: template, purpose: purpose, actor: who.actor)
            }
        }

        struct Disable: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Stop a rule (what it made is kept).")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option var name: String
            func command() throws -> CRMCommand.DisableNotificationRule { CRMCommand.DisableNotificationRule(name: name, actor: who.actor) }
        }

        struct Test: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "What the rules would send for an event, without sending: FILE is {\"type\": \"...\", \"payload\": {...}}.")
            @OptionGroup var report: ReportOptions
            @Option(help: "A JSON file with the event's type and payload.") var event: String

            func run() async throws {
                guard let data = FileManager.default.contents(atPath: event) else { throw ValidationError("cannot read --event \(event)") }
                guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let fields) = value,
                    case .string(let type)? = fields["type"], let payload = fields["payload"]
                else { throw ValidationError("--event \(event) is not {\"type\": \"<event type>\", \"payload\": {...}}") }
                let settings = try NotificationSettings(environment: ProcessInfo.processInfo.environment)
                var results: [(rule: String, channel: String, outcome: String, recipients: [String], subject: String?, text: String?)] = []
                let text = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
                do {
                    try await report.withPool {
                        results = try await NotificationDispatcher.preview(type: type, payload: text, settings: settings, pool: $0)
                    }
                } catch let invalid as NotificationCondition.Invalid { throw ValidationError(invalid.description) }
                if results.isEmpty { print("no enabled rule of \(type) matches this event") }
                for result in results {
                    print("rule \(result.rule) (\(result.channel)): \(result.outcome)")
                    if !result.recipients.isEmpty { print("  to: \(result.recipients.joined(separator: ", "))") }
                    if let subject = result.subject { print("  subject: \(subject)") }
                    if let body = result.text {
                        print(body.split(separator: "\n", omittingEmptySubsequences: false).map { "  | \($0)" }.joined(separator: "\n"))
                    }
                }
            }
        }
    }

    /// `erpctl crm templates list|show|set`: notification templates per locale.
    struct Templates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Notification templates (Mustache) per locale; a customer's language first, then ERP_CRM_LOCALE, then en.",
            subcommands: [TList.self, Show.self, Set.self], defaultSubcommand: TList.self)

        struct TList: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Every template and locale.")
            @OptionGroup var report: ReportOptions
            func run() async throws {
                var templates: [NotificationTemplate] = []
                try await report.withPool { templates = try await NotificationStore().templates($0) }
                let rows: [[String?]] = templates.map { [$0.name, $0.locale, $0.event, $0.subject, $0.html == nil ? "no" : "yes"] }
                printReport(ReportTable(columns: ["name", "locale", "event", "subject", "html"], rows: rows, numericColumns: []), json: report.json)
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "A template as a file `templates set` takes.")
            @OptionGroup var report: ReportOptions
            @Option var name: String
            @Option var locale = "en"
            func run() async throws {
                var templates: [NotificationTemplate] = []
                try await report.withPool { templates = try await NotificationStore().templates($0) }
                guard let found = templates.first(where: { $0.name == name && $0.locale == locale }) else {
                    throw ValidationError("no template \(name) in locale \(locale) (erpctl crm templates list)")
                }
                print("Subject: \(found.subject)\nEvent: \(found.event)\n\n\(found.text)", terminator: found.text.hasSuffix("\n") ? "" : "\n")
                if let html = found.html { print("--- html ---\n\(html)") }
            }
        }

        struct Set: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Set a template from a file (headers Subject: and, for a new one, Event:; a blank line; the text; optionally '--- html ---' and HTML)."
            )
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option var name: String
            @Option var locale: String
            @Option(help: "The event, for a new template (or an Event: header).") var event: String?
            @Option(help: "The template file.") var file: String

            func command() throws -> CRMCommand.SetNotificationTemplate {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read --file \(file)") }
                guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("--file \(file) is not UTF-8 text") }
                return CRMCommand.SetNotificationTemplate(name: name, locale: locale, event: event, text: text, actor: who.actor)
            }
        }
    }

    /// `erpctl crm notifications [list] [--failed] [--customer C]`, `notifications retry ID|--failed`.
    struct Notifications: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Notifications made by the rules: their recipient, status and last error; send failed ones again.",
            subcommands: [NList.self, Retry.self], defaultSubcommand: NList.self)

        struct NList: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "The newest notifications first.")
            @OptionGroup var report: ReportOptions
            @Flag(help: "Only failed ones.") var failed = false
            @Option(help: "Only this customer's.") var customer: Int64?
            @Option(help: "How many (1-10000).") var limit = 100
            func validate() throws { guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") } }
            func run() async throws {
                var listed: [NotificationStore.Listed] = []
                try await report.withPool { listed = try await NotificationStore().list(failed: failed, customer: customer, limit: limit, $0) }
                if report.json {
                    print(String(decoding: try prettyJSON(listed), as: UTF8.self))
                    return
                }
                let rows: [[String?]] = listed.map {
                    [
                        "\($0.id)", $0.rule, $0.channel, $0.status, "\($0.attempts)", $0.customer.map(String.init), $0.recipient, $0.subject,
                        UTCTimestamp.string(from: $0.createdAt), $0.lastError,
                    ]
                }
                printReport(
                    ReportTable(
                        columns: ["id", "rule", "channel", "status", "attempts", "customer", "to", "subject", "created_at", "last_error"], rows: rows,
                        numericColumns: ["id", "attempts", "customer"]), json: false)
            }
        }

        struct Retry: SendsCommand {
            static let configuration = CommandConfiguration(abstract: "Send a failed notification (or every failed one) again.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Argument(help: "The notification's id.") var id: Int64?
            @Flag(help: "Every failed notification.") var failed = false
            func validate() throws {
                guard (id != nil) != failed else { throw ValidationError("give a notification's id or --failed (one of them)") }
            }
            func command() throws -> CRMCommand.RetryNotifications { CRMCommand.RetryNotifications(notification: id, actor: who.actor) }
        }
    }
}
