import ArgumentParser
import CRM
import Contracts
import Foundation
import Postgres

/// `erpctl crm ...`: customer profiles across platforms, their timeline, merges by hand and
/// contacts logged by people.
struct CRMCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm", abstract: "Customers across every platform: profiles, purchase history, timeline, merges, contacts.",
        subcommands: [
            Show.self, Customers.self, Merge.self, Log.self, Consent.self, Export.self, Forget.self, Ticket.self, Tickets.self, Survey.self,
            Satisfaction.self, Quarantine.self, Segments.self, Segment.self, Rules.self, Templates.self, Notifications.self, Recommend.self,
        ])

    /// Options of the CRM's reports, read from its schema.
    struct ReportOptions: ParsableArguments {
        @OptionGroup var servers: ServerOptions
        @Flag(help: "Print JSON instead of text.") var json = false

        func withPool(_ body: (PostgresPool) async throws -> Void) async throws { try await servers.reading("the CRM", body) }
    }

    /// Who does it, recorded with merges and contacts.
    struct ActorOptions: ParsableArguments {
        @Option(help: "Who does it (default: $USER).") var actor = ProcessInfo.processInfo.environment["USER"] ?? "erpctl"
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A customer's profile (keys, names, addresses, spend per currency) and timeline, newest first.")
        @OptionGroup var report: ReportOptions
        @Option(help: "The customer's id (a merged id shows the profile it was merged into).") var customer: Int64
        @Option(help: "Timeline entries to show (1-10000).") var limit = 50

        func validate() throws { guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") } }

        func run() async throws {
            var found: CRMQueries.Profile?
            try await report.withPool { found = try await CRMQueries().profile(customer, limit: limit, $0) }
            guard let profile = found else { throw ControlFailure(description: "no customer \(customer)") }
            print(report.json ? CRMRendering.json(profile) : CRMRendering.text(profile))
        }
    }

    struct Customers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find customers by name, email, phone, platform customer id or order external id.")
        @OptionGroup var report: ReportOptions
        @Option(help: "Text the name, an email, a phone, a platform id or an order's external id contains.") var search: String?
        @Option(help: "Only customers with this tag.") var tag: String?
        @Option(help: "At most this many (1-10000).") var limit = 100

        func validate() throws { guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") } }

        func run() async throws {
            try await report.withPool { printReport(try await CRMQueries().customers(search: search, tag: tag, limit: limit, $0), json: report.json) }
        }
    }

    struct Merge: SendsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge one customer into another by hand: the survivor keeps both histories.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @OptionGroup var who: ActorOptions
        @Option(help: "The customer merged away.") var customer: Int64
        @Option(help: "The customer that survives.") var into: Int64
        @Option(help: "Why they are one person.") var reason: String

        func command() throws -> CRMCommand.MergeCustomers {
            guard customer != into else { throw ValidationError("--customer and --into are the same customer") }
            return CRMCommand.MergeCustomers(customer: customer, into: into, reason: reason, actor: who.actor)
        }
    }

    struct Log: SendsCommand {
        static let configuration = CommandConfiguration(abstract: "Log a contact with a customer on their timeline.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @OptionGroup var who: ActorOptions
        @Option var customer: Int64
        @Option(help: "phone, email, chat, social or in_person.") var channel: InteractionChannel
        @Option(help: "in (the customer contacted us) or out.") var direction: InteractionDirection
        @Option var summary: String
        @Option(help: "The order it was about.") var order: Int64?

        func command() throws -> CRMCommand.LogInteraction {
            CRMCommand.LogInteraction(customer: customer, channel: channel, direction: direction, summary: summary, order: order, actor: who.actor)
        }
    }
}

extension CRMCommands {
    struct Consent: SendsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a customer's opt-in or opt-out of marketing on one channel (transactional messages need none).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @OptionGroup var who: ActorOptions
        @Option var customer: Int64
        @Option(help: "email, sms, phone or messaging_app.") var channel: MarketingChannel
        @Option(help: "in or out.") var opt: OptDirection
        @Option(help: "Where the customer said it (a form, a call, an unsubscribe link).") var source: String
        @Option(help: "When they said it (ISO 8601; default now).") var at: String?

        enum OptDirection: String, ExpressibleByArgument, CaseIterable { case `in`, out }

        func command() throws -> CRMCommand.SetConsent {
            var when: Date?
            if let at {
                guard let parsed = ISODateTime.parse(at) else { throw ValidationError("--at '\(at)' is not an ISO 8601 date-time") }
                when = parsed
            }
            return CRMCommand.SetConsent(customer: customer, channel: channel, optedIn: opt == .in, at: when, source: source, actor: who.actor)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Everything held about a customer as one JSON document (a data-subject access request).")
        @OptionGroup var servers: ServerOptions
        @Option var customer: Int64
        @Option(help: "Write the document to this file (default: standard output).") var output: String?

        func run() async throws {
            var found: CRMQueries.Export?
            try await servers.reading("the CRM") { found = try await CRMQueries().export(customer, $0) }
            guard let document = found else { throw ControlFailure(description: "no customer \(customer)") }
            let data = try prettyJSON(document)
            if let output {
                do { try data.write(to: URL(fileURLWithPath: output)) } catch {
                    throw ControlFailure(description: "cannot write \(output): \(error.localizedDescription)")
                }
                print("wrote customer \(document.profile.customer)'s data to \(output) (\(data.count) bytes)")
            } else {
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }

    struct Forget: SendsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a customer's personal data in the CRM and their orders (amounts, SKUs and dates stay, under a pseudonym).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @OptionGroup var who: ActorOptions
        @Option var customer: Int64
        @Option(help: "The request this answers (kept with who asked and when).") var reason: String

        func command() throws -> CRMCommand.ForgetCustomer { CRMCommand.ForgetCustomer(customer: customer, reason: reason, actor: who.actor) }
    }
}

extension MarketingChannel: ExpressibleByArgument {}
extension InteractionChannel: ExpressibleByArgument {}
extension InteractionDirection: ExpressibleByArgument {}

/// A profile for people (text) or programs (JSON).
enum CRMRendering {
    static func json(_ profile: CRMQueries.Profile) -> String {
        String(decoding: (try? prettyJSON(profile)) ?? Data(), as: UTF8.self)
    }

    static func text(_ profile: CRMQueries.Profile) -> String {
        var lines: [String] = []
        let merged = profile.askedFor.map { " (customer \($0) was merged into it)" } ?? ""
        lines.append("customer \(profile.customer): \(profile.name ?? "(no name)")\(merged)")
        lines.append("since: \(UTCTimestamp.string(from: profile.createdAt))")
        if !profile.tags.isEmpty { lines.append("tags: \(profile.tags.joined(separator: ", "))") }
        if let language = profile.language { lines.append("language: \(language)") }
        for key in profile.keys { lines.append("\(key.kind): \(key.value)  (from \(key.source))") }
        if profile.names.count > 1 { lines.append("also known as: \(profile.names.dropFirst().joined(separator: ", "))") }
        for (index, address) in profile.addresses.enumerated() {
            let parts = [address.line1, address.line2, address.district, address.city, address.province, address.postalCode, address.country]
            lines.append("\(index == 0 ? "address" : "also"): \(parts.compactMap { $0 }.joined(separator: ", "))")
        }
        if let forgotten = profile.forgottenAt { lines.append("forgotten: \(UTCTimestamp.string(from: forgotten)) (personal data erased)") }
        for consent in profile.consents {
            let stated = consent.optedIn ? "opted in" : "opted out"
            lines.append(
                "marketing by \(consent.channel): \(stated) \(UTCTimestamp.string(from: consent.at)) (\(consent.source), recorded by \(consent.actor))"
            )
        }
        if !profile.mergedFrom.isEmpty { lines.append("merged from: \(profile.mergedFrom.map(String.init).joined(separator: ", "))") }
        for spend in profile.spend {
            let currency = try? Currency(code: spend.currency)
            func amount(_ minor: Int64) -> String {
                currency.map { Money(minorUnits: minor, currency: $0).description } ?? "\(minor) minor units of \(spend.currency)"
            }
            lines.append(
                "\(spend.currency): \(spend.orders) orders, spent \(amount(spend.spentMinor)), refunded \(amount(spend.refundedMinor)), "
                    + "average \(amount(spend.averageOrderMinor)), return rate \(String(format: "%.0f", spend.returnRate * 100)) %, "
                    + "first \(UTCTimestamp.string(from: spend.firstOrderAt)), last \(UTCTimestamp.string(from: spend.lastOrderAt))")
        }
        lines.append("timeline (newest first):")
        if profile.timeline.isEmpty { lines.append("  (nothing yet)") }
        for entry in profile.timeline {
            let how = [entry.channel, entry.direction].compactMap { $0 }.joined(separator: " ")
            let by = entry.actor.map { " by \($0)" } ?? ""
            lines.append("  \(UTCTimestamp.string(from: entry.at))  \(entry.kind)\(how.isEmpty ? "" : " (\(how))")  \(entry.summary)\(by)")
        }
        return lines.joined(separator: "\n")
    }
}
