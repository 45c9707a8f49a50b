import ArgumentParser
import Foundation

/// `erpctl broker ...`: the broker's users and permissions (least privilege).
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker", abstract: "The broker's users and their permissions.", subcommands: [Definitions.self])

    struct Definitions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the RabbitMQ definitions file of the broker's users, permissions and queue policies.",
            discussion: """
                Users: the administrator (ERP_RABBITMQ_USER, default erp; ERP_RABBITMQ_PASSWORD), the operator's user for \
                erpctl and the migrate job (ERP_ERPCTL_AMQP_USER, default erpctl; ERP_ERPCTL_AMQP_PASSWORD: everything in the \
                virtual host and its policies, no users or permissions), one per service \
                (erp-<service>; ERP_<SERVICE>_AMQP_PASSWORD), and one per platform, warehouse and carrier listed in \
                ERP_BROKER_PLATFORMS, ERP_BROKER_WAREHOUSES, ERP_BROKER_CARRIERS (platform-<name>, warehouse-<code>, \
                carrier-<name>; ERP_PLATFORM_<NAME>_AMQP_PASSWORD and so on). Each password may come from <VARIABLE>_FILE. \
                Policies: every service queue's delivery limit and dead-lettering, every delay queue's delay, the length \
                of erp.unrouted (priority 1; an operator's override takes a higher one). Load it at boot (load_definitions in rabbitmq.conf) or with `rabbitmqctl import_definitions FILE`.
                """)

        @Option(help: "Write here (mode 0644) instead of standard output.") var output: String?
        @Option(help: "The virtual host the permissions are for.") var vhost = "/"

        func run() async throws {
            let definitions: BrokerDefinitions
            do {
                definitions = try BrokerDefinitions(
                    services: ServiceCatalog.all.map(\.name), environment: ProcessInfo.processInfo.environment, vhost: vhost,
                    policies: ServiceCatalog.queuePolicies)
            } catch {
                throw ControlFailure(description: "\(error)")
            }
            let data = try definitions.json()
            guard let output else {
                FileHandle.standardOutput.write(data)
                FileHandle.standardOutput.write(Data("\n".utf8))
                return
            }
            guard FileManager.default.createFile(atPath: output, contents: data, attributes: [.posixPermissions: 0o644]) else {
                throw ControlFailure(description: "cannot write \(output)")
            }
            print("wrote \(output): \(definitions.users.map(\.name).joined(separator: ", "))")
        }
    }
}
