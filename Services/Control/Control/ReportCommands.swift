import Analytics
import ArgumentParser
import Contracts
import Foundation
import Postgres
import ServiceKit

/// `erpctl report`: custom reports kept as data and run as `erp_analyst` on the replica.
struct ReportCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Custom reports over the analytics views: save, list, run, delete.",
        subcommands: [Save.self, List.self, Run.self, Delete.self])

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keeps a query over the analytics views under a name (replacing one of that name).",
            discussion: """
                The query may use parameters written {{name}}, each declared with --param name:type
                (date, text, integer, numeric or boolean). It is checked on the replica as erp_analyst
                before it is kept: a query that reads a service's table or does not parse is refused.
                """)
        @OptionGroup var servers: ServerOptions
        @OptionGroup var analyst: AnalyticsCommands.AnalystOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "The report's name (lower-case letters, digits, - and _).") var name: String
        @Option(help: "The file holding its SQL.") var file: String
        @Option(help: "A parameter, name:type (repeat for each).") var param: [String] = []
        @Option(help: "What it shows (its title when run).") var description = ""
        @Option(help: "Who saves it (default: $USER).") var actor = ProcessInfo.processInfo.environment["USER"] ?? "erpctl"

        func parameters() throws -> [AnalyticsCommand.SaveReport.Parameter] {
            try param.map { declaration in
                let parts = declaration.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--param must be name:type (e.g. from:date), not '\(declaration)'") }
                return AnalyticsCommand.SaveReport.Parameter(name: parts[0], type: parts[1])
            }
        }

        func report() throws -> SavedReport {
            let url = URL(fileURLWithPath: file)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                attributes[.type] as? FileAttributeType == .typeRegular
            else { throw ValidationError("--file: no readable file at \(file)") }
            guard (attributes[.size] as? Int ?? 0) <= SavedReport.maxSQLLength else {
                throw ValidationError("--file: \(file) is larger than \(SavedReport.maxSQLLength) bytes")
            }
            guard let data = FileManager.default.contents(atPath: url.path), let sql = String(data: data, encoding: .utf8) else {
                throw ValidationError("--file: \(file) is not UTF-8 text")
            }
            let declared = try parameters()
            do {
                return try SavedReport(name: name, sql: sql, parameters: declared, description: description)
            } catch {
                throw ValidationError(error.reason)
            }
        }

        func validate() throws { _ = try report() }

        func run() async throws {
            let report = try report()
            try await analyst.withPool { pool in
                do {
                    try await pool.query(PostgresQuery(unsafeSQL: "PREPARE erp_report_check AS \(report.positional)"))
                    try await pool.query("DEALLOCATE erp_report_check")
                } catch let error as PostgresError {
                    throw ControlFailure(
                        description: "report \(report.name) does not run as erp_analyst on the replica, so it was not saved: \(error)")
                }
            }
            try await send(
                AnalyticsCommand.SaveReport(
                    name: report.name, sql: report.sql, parameters: try parameters(), description: report.description, actor: actor),
                servers: servers, output: output)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The saved reports and their parameters.")
        @OptionGroup var analyst: AnalyticsCommands.AnalystOptions
        @Flag(help: "Print JSON instead of a table.") var json = false
        func run() async throws {
            try await analyst.withPool { pool in
                printReport(
                    ReportTable(columns: ["name", "parameters", "description", "saved_by", "saved_at"], rows: try await SavedReports().list(pool)),
                    json: json)
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs a saved report as erp_analyst on the replica, read-only and with a statement timeout.")
        @OptionGroup var analyst: AnalyticsCommands.AnalystOptions
        @OptionGroup var output: AnalyticsCommands.FormatOptions
        @Argument(help: "The report's name.") var name: String
        @Option(help: "A parameter's value, name=value (repeat for each).") var param: [String] = []
        @Option(help: "Seconds it may run, 1 to 60.") var timeout = 30

        func values() throws -> [String: String] {
            var values: [String: String] = [:]
            for assignment in param {
                let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--param must be name=value, not '\(assignment)'") }
                guard values[parts[0]] == nil else { throw ValidationError("--param \(parts[0]) is given twice") }
                values[parts[0]] = parts[1]
            }
            return values
        }

        func validate() throws {
            _ = try values()
            guard (1...60).contains(timeout) else { throw ValidationError("--timeout must be 1 to 60 seconds") }
        }

        func run() async throws {
            try await analyst.withPool { pool in
                do {
                    print(try await SavedReports().run(name, values: try values(), timeout: timeout, pool).render(output.format))
                } catch let refused as CommandRefused {
                    throw ControlFailure(description: refused.reason)
                } catch let failure as SavedReports.Failure {
                    throw ControlFailure(description: failure.description)
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Removes a saved report.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option(help: "The report's name.") var name: String
        @Option(help: "Who removes it (default: $USER).") var actor = ProcessInfo.processInfo.environment["USER"] ?? "erpctl"
        func run() async throws { try await send(AnalyticsCommand.DeleteReport(name: name, actor: actor), servers: servers, output: output) }
    }
}
