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
                try await report.withPool { segments = try await SegmentQueries().segments($0) }
                if report.json {
                    print(String(decoding: try prettyJSON(segments), as: UTF8.self))
                    return
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
            }
        }
    }
}
