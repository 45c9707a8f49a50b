import ArgumentParser

/// `erpctl`: the operator's command-line tool.
public struct Erpctl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "erpctl",
        abstract: "Operate the ERP: topology, migrations, parked messages, catalog, inventory, orders, finance, invariants.",
        subcommands: [
            TopologyCommand.self, BrokerCommand.self, MigrateCommand.self, DeadCommand.self, CatalogCommands.self, InventoryCommands.self,
            PurchasingCommands.self,
            WarehouseCommands.self,
            OrdersCommands.self, OutboundCommand.self, ReturnsCommands.self, FinanceCommands.self, SagaCommands.self, CRMCommands.self,
            AnalyticsCommands.self, ReportCommands.self, CheckCommand.self,
        ])

    public init() {}

    /// Parses the arguments and runs the command; exits 0 on success, 64 on bad arguments,
    /// 1 when the servers refuse or cannot be reached.
    public static func runMain(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as ControlFailure {
            FileHandleOutput.error("erpctl: \(failure.description)")
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

import Foundation

enum FileHandleOutput {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
