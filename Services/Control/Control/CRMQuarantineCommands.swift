import ArgumentParser
import CRM
import Contracts
import Ingest

extension CRMCommands {
    /// `erpctl crm quarantine list|show|retry`: customers, buyers' messages and survey
    /// answers from the platforms that the CRM's intake did not take.
    struct Quarantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Customer messages and survey answers the CRM's intake did not take: list, show, retry.",
            subcommands: [QList.self, QShow.self, QRetry.self])

        static let store = QuarantineStore(schema: "crm", takenColumn: "customer_id")

        struct QList: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Quarantined messages with why.")
            @OptionGroup var report: ReportOptions
            @Flag(help: "Include retried ones.") var all = false
            @Option(help: "At most this many (1-10000).") var limit = 200
            func validate() throws { guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") } }
            func run() async throws {
                try await report.withPool {
                    try await QuarantineReports.list(Quarantine.store, includeRetried: all, limit: limit, json: report.json, $0)
                }
            }
        }

        struct QShow: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "One quarantined message, with its raw body.")
            @OptionGroup var report: ReportOptions
            @Argument var id: Int64
            func run() async throws {
                try await report.withPool { try await QuarantineReports.show(Quarantine.store, id: id, json: report.json, $0) }
            }
        }

        struct QRetry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "retry", abstract: "Run a quarantined message through the CRM's intake again (after its cause was fixed).")
            @OptionGroup var servers: ServerOptions
            @OptionGroup var output: OutcomeOptions
            @Argument var id: Int64
            func run() async throws {
                let outcome = try await sendWaiting(CRMCommand.RetryQuarantined(quarantine: id), servers: servers, output: output)
                let result = try outcome.decodeResult(CRMResult.Retried.self)
                guard result.accepted else {
                    throw ControlFailure(description: "quarantined message \(id) was rejected again (\(result.code ?? "")): \(result.reason ?? "")")
                }
            }
        }
    }
}
