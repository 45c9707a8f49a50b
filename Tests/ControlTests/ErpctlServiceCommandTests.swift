import Catalog
import Contracts
import Foundation
import Inventory
import ServiceTestSupport
import TestSupport
import Testing

/// `erpctl inventory ...` and `erpctl catalog ...` against running services: the command
/// is published, the outcome awaited and printed; a refusal exits 1 with the reason.
@Suite(.timeLimit(.minutes(6))) struct ErpctlServiceCommandTests {
    static func erpctl(_ harness: ServiceHarness, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["ERP_AMQP_URL"] = TestEnvironment.brokerURLForPrograms
        environment["ERP_DATABASE_URL"] = TestEnvironment.databaseURL
        return try await runProgramAsync(
            environment["ERP_ERPCTL"] ?? TestEnvironment.executable("erpctl"), arguments + ["--commands-exchange", harness.exchange],
            environment: environment)
    }

    @Test func inventoryCommandsPrintTheOutcomeAndARefusalExitsWith1AndTheReason() async throws {
        try await ServiceHarness.run(
            prefix: "t_ctlinv",
            { schema, queue, exchange in
                InventoryService.definition(schema: schema, queue: queue, commandsExchange: exchange)
            }
        ) { harness async throws in
            let added = try await Self.erpctl(harness, ["inventory", "add-warehouse", "--code", "SH", "--name", "Shanghai", "--region", "east"])
            #expect(added.status == 0, "\(added.output)")
            let received = try await Self.erpctl(
                harness,
                [
                    "inventory", "receive", "--sku", "S", "--warehouse", "SH", "--qty", "5", "--lot", "L", "--expiry", "2027-01-31",
                    "--unit-cost", "12.50", "--json",
                ])
            #expect(received.status == 0, "\(received.output)")
            let outcome = try MessageCoding.decoder().decode(CommandOutcome.self, from: Data(received.output.utf8))
            #expect(try outcome.decodeResult(InventoryResult.Level.self).onHand == 5)
            let reserved = try await Self.erpctl(harness, ["inventory", "reserve", "--order", "SO-1", "--line", "S:2", "--line", "S:1"])
            #expect(reserved.status == 0, "\(reserved.output)")
            #expect(reserved.output.contains("WAREHOUSE") && reserved.output.contains("SH"), "a table of which warehouse supplies which line")
            let refused = try await Self.erpctl(harness, ["inventory", "reserve", "--order", "SO-2", "--line", "S:3"])
            #expect(refused.status == 1)
            #expect(refused.output.contains("refused (insufficient-stock)") && refused.output.contains("S short by 1"), "\(refused.output)")
        }
    }

    @Test func aCatalogImportReportsBadRowsByLineAndAtomicImportsNothing() async throws {
        try await ServiceHarness.run(
            prefix: "t_ctlcat",
            { schema, queue, exchange in
                CatalogService.definition(
                    schema: schema, queuePrefix: String(queue.dropLast(".commands".count)), commandsExchange: exchange, eventsExchange: exchange)
            }
        ) { harness async throws in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(harness.schema).csv")
            try "code,title,price,barcode\nA,Alpha,5.00,\nB,Bravo,5.00,1234567890123\nC,Charlie,-1,\n".write(
                to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let atomic = try await Self.erpctl(harness, ["catalog", "import", file.path, "--atomic"])
            #expect(atomic.status == 1)
            #expect(atomic.output.contains("line 3"), "\(atomic.output)")
            let partial = try await Self.erpctl(harness, ["catalog", "import", file.path])
            #expect(partial.status == 1)
            #expect(
                partial.output.contains("1 created") && partial.output.contains("line 3:") && partial.output.contains("line 4:"), "\(partial.output)")
        }
    }

    @Test(arguments: [
        ["inventory", "receive", "--sku", "S", "--warehouse", "W", "--qty", "1", "--lot", "L", "--unit-cost", "1", "--expiry", "2027-02-30"],
        ["inventory", "receive", "--sku", "S", "--warehouse", "W", "--qty", "1", "--lot", "L", "--unit-cost", "abc"],
        ["inventory", "receive", "--sku", "S", "--warehouse", "W", "--qty", "0", "--lot", "L", "--unit-cost", "1"],
        ["inventory", "receive", "--sku", "S", "--warehouse", "W", "--qty", "1", "--lot", "L", "--unit-cost", "1", "--currency", "XYZ"],
        ["inventory", "reserve", "--order", "SO-1", "--line", "S"],
        ["inventory", "reserve", "--order", "SO-1", "--line", "S:0"],
        ["inventory", "reserve", "--order", "SO-1"],
        ["inventory", "return", "--reference", "R", "--sku", "S", "--warehouse", "W", "--lot", "L", "--qty", "1", "--condition", "broken"],
        ["inventory", "expiring", "--days", "-1"],
        ["catalog", "create-product", "--code", "A", "--title", "A", "--price", "1.234"],
        ["catalog", "variants", "--product", "A"],
        ["catalog", "variants", "--product", "A", "--attribute", "colour"],
        ["catalog", "import", "products.xlsx"],
        ["catalog", "export", "--format", "xml"],
        ["orders", "status", "--order", "1", "--to", "flying", "--reason", "x"],
        ["orders", "ship", "--order", "1", "--shipment", "S", "--carrier", "SF", "--tracking", "T", "--line", "1"],
        ["orders", "ship", "--order", "1", "--shipment", "S", "--carrier", "SF", "--tracking", "T"],
        ["orders", "add-line", "--order", "1", "--sku", "S", "--qty", "1", "--unit-price", "1.001"],
        ["orders", "list", "--status", "lost"],
        ["orders", "export", "--from", "2026-13-01"],
        ["orders", "import", "orders.xlsx"],
        ["orders", "split", "--order", "1", "--reason", "x"],
        ["orders", "split", "--order", "1", "--part", "1:1", "--by-warehouse", "--reason", "x"],
        ["orders", "split", "--order", "1", "--part", "1:1,2", "--reason", "x"],
        ["orders", "split", "--order", "1", "--part", "1:1", "--reason", " "],
        ["saga", "retry", "not-a-uuid"],
        ["orders", "show", "--platform", "web"],
        ["orders", "show", "--order", "1", "--platform", "web", "--external-id", "X"],
        ["orders", "merge", "1", "--reason", "x"],
        ["orders", "merge", "1", "1", "--reason", "x"],
        ["orders", "merge", "1", "2", "--reason", ""],
        ["returns", "create", "--order", "1", "--reason", "x"],
        ["returns", "create", "--order", "1", "--line", "1:1", "--kind", "swap", "--reason", "x"],
        ["returns", "receive", "--rma", "R", "--item", "1:1:broken"],
        ["returns", "receive", "--rma", "R", "--item", "1:sellable"],
        ["returns", "exchange", "--order", "1", "--line", "1:1", "--reason", "x"],
        ["returns", "exchange", "--order", "1", "--line", "1:1", "--replace", "TEE-L", "--reason", "x"],
        ["returns", "exchange", "--order", "1", "--line", "1:1", "--replace", ":1", "--reason", "x"],
    ])
    func badArgumentsExitWith64AndSayWhy(arguments: [String]) async throws {
        let result = try await ErpctlCommandTests.erpctl(arguments)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("Error:"))
    }
}
