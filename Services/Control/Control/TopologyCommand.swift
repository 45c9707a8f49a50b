import AMQP
import ArgumentParser
import Foundation
import Messaging
import ServiceKit

struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Broker topology.", subcommands: [Declare.self])

    struct Declare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare the exchanges and every service's queues (idempotent).",
            discussion: """
                Queues carry only their type; their limits, dead-lettering and delays are the broker's policies, \
                from the definitions file (`erpctl broker definitions`). A queue an earlier version declared with \
                those as arguments is moved to a new declaration with its messages: stop the services first.
                """)
        @OptionGroup var servers: ServerOptions
        @Option(
            name: .customLong("management-url"),
            help: """
                RabbitMQ's management API (http://host:15672), through which the queues' policies are set as the \
                definitions file sets them, with the broker user of --amqp-url (default: $ERP_AMQP_MANAGEMENT_URL; \
                none: the policies are left to the definitions file).
                """)
        var managementURL = ProcessInfo.processInfo.environment["ERP_AMQP_MANAGEMENT_URL"]

        func run() async throws {
            let broker = try servers.broker()
            if let managementURL, !managementURL.isEmpty {
                // Before the queues: a queue declared by this version is never without its limits.
                let management: BrokerManagement
                do {
                    management = try BrokerManagement(url: managementURL, user: broker.user, password: broker.password, vhost: broker.vhost)
                } catch {
                    throw ValidationError("--management-url: \(error)")
                }
                let policies = ServiceCatalog.queuePolicies
                try await reporting("setting the queues' policies") { try await management.apply(policies) }
                print(
                    "set \(policies.count) queue policies (erp.queue.<queue>, priority \(QueuePolicy.standardPriority)) through \(management.baseURL)"
                )
            }
            let moved = try await reporting("declaring the topology") {
                // Declaring is idempotent: a quorum queue whose cluster a busy broker did not form
                // in time (INTERNAL_ERROR cluster_not_formed, the connection closed) is tried again.
                var attempt = 1
                while true {
                    do {
                        return try await declareTopology(broker)
                    } catch  where "\(error)".contains("cluster_not_formed") && attempt < 5 {
                        FileHandle.standardError.write(Data("erpctl: \(error); declaring again (attempt \(attempt + 1) of 5)\n".utf8))
                        attempt += 1
                        try await Task.sleep(for: .seconds(2))
                    }
                }
            }
            let queues = ServiceCatalog.all.flatMap { $0.queues.map(\.name) }
            print(
                "declared exchanges \(Exchanges.ingest) (alternate exchange \(Exchanges.unrouted)), \(Exchanges.events) and \(Exchanges.commands) (alternate exchange and queue \(Exchanges.internalUnrouted)), \(Exchanges.replies), \(Exchanges.retry), \(Exchanges.dead), \(Exchanges.outbound) and queues \(queues.joined(separator: ", "))"
            )
            if !moved.isEmpty {
                print("moved to their new declaration (limits as policies), with their messages: \(moved.joined(separator: ", "))")
            }
        }

        /// The exchanges and every service's queues; the queues moved to their new declaration.
        func declareTopology(_ broker: AMQPConfiguration) async throws -> [String] {
            var moved: [String] = []
            let connection = try await AMQPConnection.connect(broker)
            do {
                try await Topology.declareExchanges(on: connection, replacingOutdated: true)
                for service in ServiceCatalog.all {
                    for queue in service.queues { moved += try await Topology.declare(queue, migrating: true, on: connection) }
                    for declare in service.topology { try await declare(connection) }
                }
                await connection.close()
            } catch {
                await connection.close()
                throw error
            }
            return moved
        }
    }
}
