import ArgumentParser
import CRM
import Contracts
import Foundation
import Postgres
import ServiceKit

extension CRMCommands {
    /// `erpctl crm segments [list]|refresh`: RFM segments and their members.
    struct Segments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "RFM segments (recency, frequency, monetary value scored 1-5 by quintiles): members per segment, refresh.",
            subcommands: [SList.self, Refresh.self], defaultSubcommand: SList.self)

        struct SList: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Each segment with its members and when it was scored.")
            @OptionGroup var report: ReportOptions
            func run() async throws {
                var segments: [SegmentQueries.Segment] = []
                var rules: [RuleSegmentStore.Segment] = []
                try await report.withPool {
                    segments = try await SegmentQueries().segments($0)
                    rules = try await RuleSegmentStore().segments($0)
                }
                if report.json {
                    struct Both: Encodable {
                        let rfm: [SegmentQueries.Segment]
                        let rules: [RuleSegmentStore.Segment]
                    }
                    print(String(decoding: try prettyJSON(Both(rfm: segments, rules: rules)), as: UTF8.self))
                    return
                }
                defer {
                    if !rules.isEmpty {
                        print("")
                        printReport(
                            ReportTable(
                                columns: ["rule_segment", "members", "refreshed_at", "defined_by", "rule"],
                                rows: rules.map { [$0.name, "\($0.members)", $0.refreshedAt.map(UTCTimestamp.string), $0.definedBy, $0.rule] },
                                numericColumns: ["members"]), json: false)
                    }
                }
                let rows: [[String?]] = segments.map {
                    [
                        $0.segment, "\($0.members)", $0.averageRecencyDays.map(String.init), $0.averageOrders.map { String(format: "%.1f", $0) },
                        $0.averageSpentMinor.map(String.init), $0.currency, $0.scoredAt.map(UTCTimestamp.string),
                    ]
                }
                printReport(
                    ReportTable(
                        columns: ["segment", "members", "avg_recency_days", "avg_orders", "avg_spent_minor", "currency", "scored_at"], rows: rows,
                        numericColumns: ["members", "avg_recency_days", "avg_orders", "avg_spent_minor"]), json: false)
            }
        }

        struct Refresh: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Score every active customer now (the CRM also does it nightly at 02:00 UTC); each change of segment is announced.")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            func run() async throws {
                let outcome = try await sendWaiting(CRMCommand.RefreshSegments(), servers: servers, output: output)
                guard !output.json, let result = try? outcome.decodeResult(CRMResult.SegmentsRefreshed.self) else { return }
                print("\(result.scored) customers scored, \(result.changed) changed segment")
                for (name, members) in (result.ruleMembers ?? [:]).sorted(by: { $0.key < $1.key }) {
                    print("rule segment \(name): \(members) members")
                }
            }
        }
    }

    /// `erpctl crm segment define|members`: segments defined by a rule over the profiles.
    struct Segment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rule segments: a JSON condition over orders, spend, last order, RFM scores, tags, platforms and SKUs bought.",
            subcommands: [Define.self, Members.self])

        struct Define: SendsCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Define (or redefine) a segment from a rule file, such as {\"all\": [{\"field\": \"spend\", \"op\": \">=\", \"value\": 100000}]}; its members are computed at once."
            )
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @OptionGroup var who: ActorOptions
            @Option var name: String
            @Option(help: "A JSON file with the rule.") var rule: String
            func command() throws -> CRMCommand.DefineSegment {
                guard let data = FileManager.default.contents(atPath: rule), let text = String(data: data, encoding: .utf8) else {
                    throw ValidationError("cannot read --rule \(rule) as UTF-8 text")
                }
                return CRMCommand.DefineSegment(name: name, rule: text, actor: who.actor)
            }
        }

        struct Members: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "A segment's members, for a marketing tool (text, csv or json).")
            @OptionGroup var servers: ServerOptions
            @Option var name: String
            @Option(help: "text, csv or json.") var format: Format = .text
            enum Format: String, ExpressibleByArgument, CaseIterable { case text, csv, json }

            func run() async throws {
                var members: [RuleSegmentStore.Member]?
                try await servers.reading("the CRM") { members = try await RuleSegmentStore().members(name, $0) }
                guard let members else { throw ValidationError("no rule segment named \(name) (erpctl crm segments)") }
                switch format {
                case .json: print(String(decoding: try prettyJSON(members), as: UTF8.self))
                case .csv:
                    func field(_ text: String?) -> String {
                        guard let text else { return "" }
                        return text.contains(where: { ",\"\n\r".contains($0) })
                            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
                    }
                    print("customer,name,email,phone,language,since")
                    for m in members {
                        print(
                            [
                                String(m.customer), field(m.name), field(m.email), field(m.phone), field(m.language),
                                UTCTimestamp.string(from: m.since),
                            ].joined(separator: ","))
                    }
                case .text:
                    printReport(
                        ReportTable(
                            columns: ["customer", "name", "email", "phone", "language", "since"],
                            rows: members.map {
                                [String($0.customer), $0.name, $0.email, $0.phone, $0.language, UTCTimestamp.string(from: $0.since)]
                            },
                            numericColumns: ["customer"]), json: false)
                }
            }
        }
    }
}
