import Analytics
import ArgumentParser
import Contracts
import Foundation
import Postgres
import ServiceKit

/// `erpctl analytics`: what analysts read, from the replica as `erp_analyst`.
struct AnalyticsCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics", abstract: "The analytics views, read on the replica as erp_analyst.",
        subcommands: [
            Sales.self, Inventory.self, Finance.self, Customers.self, Trends.self, Dashboard.self, Describe.self, LeadTime.self, Jobs.self,
            Run.self,
        ])

    /// How an analysis prints: tables for people, CSV or JSON for programs.
    struct FormatOptions: ParsableArguments {
        @Option(help: "table, csv or json.") var format: AnalyticsReport.Format = .table
    }

    /// A day given on the command line, or a usage error that names the option.
    static func day(_ text: String?, _ option: String) throws -> String? {
        guard let text else { return nil }
        do { return try BusinessDate(text).description } catch { throw ValidationError("\(option) must be a date YYYY-MM-DD, not '\(text)'") }
    }

    static func top(_ value: Int) throws {
        guard (1...1_000).contains(value) else { throw ValidationError("--top must be 1 to 1000") }
    }

    struct Sales: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sales by day, week or month, platform and currency (orders, units, revenue, refunds, net), and the top SKUs.")
        @OptionGroup var analyst: AnalystOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "day, week or month.") var by: Analyses.Period = .month
        @Option(help: "Only this platform.") var platform: String?
        @Option(help: "From this day (YYYY-MM-DD, UTC).") var from: String?
        @Option(help: "To this day, included.") var to: String?
        @Option(help: "How many SKUs in the top list (1-1000).") var top = 10

        func validate() throws {
            if let platform,
                platform.isEmpty || platform.count > 32
                    || !platform.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") })
            {
                throw ValidationError("--platform: '\(platform)' is not a platform name (lower case letters, digits, - and _)")
            }
            let (start, end) = (try AnalyticsCommands.day(from, "--from"), try AnalyticsCommands.day(to, "--to"))
            if let start, let end, start > end { throw ValidationError("--from \(start) is after --to \(end)") }
            try AnalyticsCommands.top(top)
        }

        func run() async throws {
            try await analyst.withPool { pool in
                let report = try await Analyses().sales(
                    by: by, platform: platform, from: try AnalyticsCommands.day(from, "--from"), to: try AnalyticsCommands.day(to, "--to"), top: top,
                    pool)
                print(report.render(output.format))
            }
        }
    }

    struct Inventory: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stock by warehouse and its value, the SKUs needing attention (out, low, slow, dead) and what to reorder.")
        @OptionGroup var analyst: AnalystOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "Rows of the attention and reorder lists (1-1000).") var top = 20
        func validate() throws { try AnalyticsCommands.top(top) }
        func run() async throws { try await analyst.withPool { print(try await Analyses().inventory(top: top, $0).render(output.format)) } }
    }

    struct Finance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Profit and loss by month, cash flow by month and kind, and open receivables and payables by age.")
        @OptionGroup var analyst: AnalystOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "From the month of this day (YYYY-MM-DD).") var from: String?
        @Option(help: "To the month of this day.") var to: String?
        func validate() throws {
            let (start, end) = (try AnalyticsCommands.day(from, "--from"), try AnalyticsCommands.day(to, "--to"))
            if let start, let end, start > end { throw ValidationError("--from \(start) is after --to \(end)") }
        }
        func run() async throws {
            try await analyst.withPool { pool in
                print(
                    try await Analyses().finance(from: try AnalyticsCommands.day(from, "--from"), to: try AnalyticsCommands.day(to, "--to"), pool)
                        .render(output.format))
            }
        }
    }

    struct Customers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Repeat purchase, RFM segments and retention by monthly cohort.")
        @OptionGroup var analyst: AnalystOptions
        @OptionGroup var output: FormatOptions
        func run() async throws { try await analyst.withPool { print(try await Analyses().customers($0).render(output.format)) } }
    }

    struct Trends: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The top SKUs of the last four weeks against the four before, with their forecast for the next four.")
        @OptionGroup var analyst: AnalystOptions
        @OptionGroup var output: FormatOptions
        @Option(help: "How many SKUs (1-1000).") var top = 20
        func validate() throws { try AnalyticsCommands.top(top) }
        func run() async throws { try await analyst.withPool { print(try await Analyses().trends(top: top, $0).render(output.format)) } }
    }

    /// Where analysts read: the replica, as the read-only analyst role.
    struct AnalystOptions: ParsableArguments {
        @Option(
            name: .customLong("analytics-url"),
            help: "PostgreSQL URL of the analysts' replica (default: $ERP_ANALYTICS_DATABASE_URL or the local runner's).")
        var analyticsURL =
            ProcessInfo.processInfo.environment["ERP_ANALYTICS_DATABASE_URL"] ?? "postgres://erp_analyst:erp_analyst@127.0.0.1:54330/erp"

        func withPool(_ body: (PostgresPool) async throws -> Void) async throws {
            var configuration: PostgresConfiguration
            do { configuration = try PostgresConfiguration(url: analyticsURL) } catch { throw ValidationError("--analytics-url: \(error)") }
            configuration.applicationName = "erpctl analytics"
            configuration.connectTimeout = 5
            let pool = PostgresPool(configuration: configuration, size: 1)
            do {
                try await reporting("reading the analytics views") { try await body(pool) }
                await pool.close()
            } catch {
                await pool.close()
                throw error
            }
        }
    }

    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Writes one self-contained HTML page of charts from the replica: revenue per day by platform, top SKUs, stock cover, receivables by age, cohort retention, the best seller's forecast."
        )
        @OptionGroup var analyst: AnalystOptions
        @Option(help: "The HTML file to write (replaced if it exists).") var out: String

        func validate() throws {
            guard out.hasSuffix(".html") || out.hasSuffix(".htm") else { throw ValidationError("--out must name an .html file, not '\(out)'") }
            let folder = URL(fileURLWithPath: out).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--out: no folder \(folder) to write into")
            }
        }

        func run() async throws {
            try await analyst.withPool { pool in
                let page = DashboardPage.render(try await DashboardData.read(pool))
                do { try Data(page.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw ControlFailure(description: "cannot write \(out): \(error.localizedDescription)")
                }
                print("wrote \(out) (\(page.utf8.count) bytes)")
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The data dictionary: every view, or one view's columns, from the views' own comments.",
            discussion: "`--markdown` prints the whole dictionary as docs/analytics.md holds it.")
        @OptionGroup var analyst: AnalystOptions
        @Argument(help: "A view (orders, sales_daily...); without it, the list of views.") var view: String?
        @Flag(help: "Print the whole dictionary as Markdown (docs/analytics.md).") var markdown = false

        func validate() throws {
            if let view, view.isEmpty || view.count > 63 || !view.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
                throw ValidationError("VIEW must be a view name of lower-case letters, digits and _ (at most 63), not '\(view)'")
            }
            if markdown, view != nil { throw ValidationError("--markdown prints every view: give no VIEW with it") }
        }

        func run() async throws {
            try await analyst.withPool { pool in
                let dictionary = try await AnalyticsDictionary.read(pool)
                if markdown {
                    print(dictionary.markdown, terminator: "")
                } else if let view {
                    guard let found = dictionary.view(view) else {
                        throw ControlFailure(
                            description: "no view '\(view)' in the analytics schema (views: \(dictionary.views.map(\.name).joined(separator: ", ")))")
                    }
                    print("\(found.name): \(found.comment ?? "")\n")
                    printReport(
                        ReportTable(columns: ["column", "type", "meaning"], rows: found.columns.map { [$0.name, $0.type, $0.comment ?? ""] }),
                        json: false)
                } else {
                    guard !dictionary.views.isEmpty else {
                        throw ControlFailure(description: "the analytics schema has no views: run erpctl migrate on the primary")
                    }
                    printReport(
                        ReportTable(
                            columns: ["view", "what it holds"],
                            rows: dictionary.views.map { [$0.name, AnalyticsDictionary.firstSentence($0.comment ?? "")] }),
                        json: false)
                }
            }
        }
    }

    struct LeadTime: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lead-time", abstract: "Supplier lead times, which the reorder suggestions plan over.", subcommands: [Set.self])

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Days from ordering to having the goods: for a SKU in a warehouse, * for any (default * *: 14).")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Option(help: "The SKU, or * for any.") var sku: String
            @Option(help: "The warehouse, or * for any.") var warehouse: String
            @Option(help: "Days, 1 to 365.") var days: Int
            @Option(help: "Who sets it (default: $USER).") var actor = ProcessInfo.processInfo.environment["USER"] ?? "erpctl"

            func validate() throws {
                guard sku == "*" || SKUCode.isValid(sku) else { throw ValidationError("--sku must be * or \(SKUCode.rule)") }
                guard warehouse == "*" || SKUCode.isValid(warehouse) else { throw ValidationError("--warehouse must be * or a warehouse code") }
                guard (1...365).contains(days) else { throw ValidationError("--days must be 1 to 365") }
            }

            func run() async throws {
                try await send(
                    AnalyticsCommand.SetLeadTime(sku: sku, warehouse: warehouse, days: days, actor: actor), servers: servers, output: output)
            }
        }
    }

    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The job runner's jobs: when each runs next, and how its last run went.")
        @OptionGroup var servers: ServerOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            try await servers.reading("the analytics jobs") { pool in
                printReport(
                    ReportTable(
                        columns: ["job", "next_run", "runs", "last_started", "last_finished", "last_outcome"], rows: try await JobStore().list(pool),
                        numericColumns: ["runs"]), json: json)
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs a job now (refresh, stock-snapshot or forecast), in erp-analytics; its schedule stays as it was.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Argument(help: "refresh, stock-snapshot or forecast.") var job: String

        func validate() throws {
            guard JobStore.Job(rawValue: job) != nil else {
                throw ValidationError("JOB must be one of \(JobStore.Job.allCases.map(\.rawValue).joined(separator: ", ")), not '\(job)'")
            }
        }

        func run() async throws { try await send(AnalyticsCommand.RunJob(job: job), servers: servers, output: output) }
    }
}

extension AnalyticsReport.Format: ExpressibleByArgument {}
extension Analyses.Period: ExpressibleByArgument {}
