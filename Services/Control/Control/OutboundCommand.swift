import AMQP
import ArgumentParser
import Foundation
import Messaging
import ServiceKit

/// `erpctl outbound list --platform P`: what waits in `outbound.<platform>` for the
/// platform's connector, left where it is.
struct OutboundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbound", abstract: "What the ERP tells the platforms back, waiting for their connectors.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The messages waiting in outbound.<platform> (fulfillments, cancellations, refunds, stock levels), oldest first.",
            discussion: "They stay in the queue: a connector takes them.")
        @OptionGroup var servers: ServerOptions
        @Option var platform: String
        @Option(help: "At most this many.") var limit = 100
        @Flag(help: "Print JSON instead of a table.") var json = false
        func validate() throws {
            guard !platform.isEmpty, platform.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw ValidationError("--platform: '\(platform)' is not a platform name (lower case letters, digits, -)")
            }
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }
        func run() async throws {
            let broker = try servers.broker()
            let queue = Topology.outboundQueue(platform: platform)
            let messages = try await reporting("reading \(queue)") { try await QueuePeek.messages(queue, broker: broker, limit: limit) }
            let table = ReportTable(
                columns: ["id", "routing_key", "at", "body"],
                rows: messages.map { message in
                    [
                        message.properties.messageID, message.routingKey, message.properties.timestamp.map { $0.formatted(.iso8601) },
                        String(decoding: message.body, as: UTF8.self),
                    ]
                })
            print(json ? table.json : table.table)
        }
    }
}
