import AMQP
import ArgumentParser
import Foundation
import Messaging

struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead", abstract: "Parked (dead) messages: list, replay, purge.",
        subcommands: [List.self, Replay.self, Purge.self])

    /// The parking queues to act on: the given service queue's, or every known one and
    /// `erp.unrouted` (events and commands no queue was bound for).
    static func parkingQueues(_ queue: String?) -> [String] {
        if let queue { return [queue == Exchanges.internalUnrouted ? queue : ParkedMessages.parkingQueue(of: queue)] }
        return ServiceCatalog.all.flatMap { $0.queues.map(\.parkingQueue) } + [Exchanges.internalUnrouted]
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List parked messages with why they were parked.")
        @OptionGroup var servers: ServerOptions
        @Option(help: "Service queue (e.g. orders.ingest); default: every known queue.") var queue: String?
        @Flag(help: "One JSON array instead of a table.") var json = false

        func run() async throws {
            let broker = try servers.broker()
            var all: [ParkedMessage] = []
            for parking in DeadCommand.parkingQueues(queue) {
                all += try await reporting("listing \(parking)") {
                    try await ParkedMessages.list(parkingQueue: parking, broker: broker)
                }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(all), as: UTF8.self))
                return
            }
            guard !all.isEmpty else {
                print("no parked messages")
                return
            }
            let rows =
                [["ID", "QUEUE", "TYPE", "ERROR", "FAILED AT", "DETAIL"]]
                + all.map {
                    [$0.copies > 1 ? "\($0.id) (×\($0.copies))" : $0.id, $0.queue, $0.type, $0.error, $0.failedAt, String($0.detail.prefix(80))]
                }
            let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(
                    row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send parked messages back to the queue they failed in.")
        @OptionGroup var servers: ServerOptions
        @Argument(help: "Message id to replay.") var id: String?
        @Flag(help: "Replay every parked message.") var all = false
        @Option(help: "Service queue; default: every known queue.") var queue: String?

        func validate() throws {
            guard (id != nil) != all else { throw ValidationError("give a message id or --all (not both)") }
        }

        func run() async throws {
            let broker = try servers.broker()
            var replayed = 0
            let wanted = id
            for parking in DeadCommand.parkingQueues(queue) {
                replayed += try await reporting("replaying from \(parking)") {
                    try await ParkedMessages.replay(parkingQueue: parking, broker: broker) { wanted == nil || $0.id == wanted }
                }
            }
            if let id, replayed == 0 { throw ControlFailure(description: "no parked message has id \(id)") }
            print("replayed \(replayed) message(s)")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete parked messages for good.")
        @OptionGroup var servers: ServerOptions
        @Option(help: "Service queue; default: every known queue.") var queue: String?
        @Flag(help: "Confirm: the messages are gone afterwards.") var yes = false

        func validate() throws {
            guard yes else { throw ValidationError("purging deletes parked messages for good: add --yes to confirm") }
        }

        func run() async throws {
            let broker = try servers.broker()
            var purged = 0
            for parking in DeadCommand.parkingQueues(queue) {
                purged += try await reporting("purging \(parking)") {
                    try await ParkedMessages.purge(parkingQueue: parking, broker: broker)
                }
            }
            print("purged \(purged) message(s)")
        }
    }
}
