import Analytics
import ArgumentParser
import Foundation
import Postgres
import ServiceKit

/// `erpctl analytics`: what analysts read, from the replica as `erp_analyst`.
struct AnalyticsCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics", abstract: "The analytics views, read on the replica as erp_analyst.",
        subcommands: [Describe.self])

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
}
