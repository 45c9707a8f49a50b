import AMQP
import ArgumentParser
import Messaging

struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Broker topology.", subcommands: [Declare.self])

    struct Declare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare the exchanges and every service's queues (idempotent).")
        @OptionGroup var servers: ServerOptions

        func run() async throws {
            let broker = try servers.broker()
            try await reporting("declaring the topology") {
                let connection = try await AMQPConnection.connect(broker)
                do {
                    try await Topology.declareExchanges(on: connection, replacingOutdated: true)
                    for service in ServiceCatalog.all {
                        for queue in service.queues { try await Topology.declare(queue, on: connection) }
                        for declare in service.topology { try await declare(connection) }
                    }
                    await connection.close()
                } catch {
                    await connection.close()
                    throw error
                }
            }
            let queues = ServiceCatalog.all.flatMap { $0.queues.map(\.name) }
            print(
                "declared exchanges \(Exchanges.ingest) (alternate exchange \(Exchanges.unrouted)), \(Exchanges.events) and \(Exchanges.commands) (alternate exchange and queue \(Exchanges.internalUnrouted)), \(Exchanges.replies), \(Exchanges.retry), \(Exchanges.dead), \(Exchanges.outbound) and queues \(queues.joined(separator: ", "))"
            )
        }
    }
}
