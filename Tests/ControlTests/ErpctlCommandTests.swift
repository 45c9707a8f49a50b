import Foundation
import Messaging
import TestSupport
import Testing

/// erpctl as operators run it: the built executable, its output and its exit code.
/// The suite starts about ninety erpctl processes at once, beside every other suite: on two
/// cores a test's four runs took over a minute (and over two in a CI run).
@Suite(.timeLimit(.minutes(6))) struct ErpctlCommandTests {
    /// Runs erpctl on a thread of its own (services of other tests share this process's cooperative threads).
    static func erpctl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["ERP_AMQP_URL"] = TestEnvironment.brokerURLForPrograms
        environment["ERP_DATABASE_URL"] = TestEnvironment.databaseURL
        return try await runProgramAsync(environment["ERP_ERPCTL"] ?? TestEnvironment.executable("erpctl"), arguments, environment: environment)
    }

    @Test func deadListPrintsParkedMessagesAsJSONAndReplayTakesAnID() async throws {
        let (queue, ids) = try await ParkedMessagesTests.parkTwo()
        let listed = try await Self.erpctl(["dead", "list", "--queue", queue.name, "--json"])
        #expect(listed.status == 0, "\(listed.output)")
        let parked = try JSONDecoder().decode([ParkedMessage].self, from: Data(listed.output.utf8))
        #expect(Set(parked.map(\.id)) == Set(ids))
        let table = try await Self.erpctl(["dead", "list", "--queue", queue.name])
        #expect(table.output.contains("validation") && table.output.contains("undecodable"))
        let replay = try await Self.erpctl(["dead", "replay", ids[1], "--queue", queue.name])
        #expect(replay.status == 0)
        #expect(replay.output.contains("replayed 1"))
        let missing = try await Self.erpctl(["dead", "replay", "no-such-id", "--queue", queue.name])
        #expect(missing.status == 1)
        #expect(missing.output.contains("no parked message has id no-such-id"))
        let purge = try await Self.erpctl(["dead", "purge", "--queue", queue.name, "--yes"])
        #expect(purge.output.contains("purged 1"))
        try await ParkedMessagesTests.delete(queue)
    }

    /// The README writes `--delta -2`: a negative number is the option's value, not an unknown option.
    @Test func aNegativeDeltaIsAValueAsTheREADMEWritesIt() async throws {
        let result = try await Self.erpctl([
            "inventory", "adjust", "--sku", "S", "--warehouse", "W", "--lot", "L", "--delta", "-2", "--reason", "damaged",
            "--amqp-url", "amqp://guest:guest@127.0.0.1:1/%2f",
        ])
        #expect(result.status == 1, "parsed, then the broker was unreachable: \(result.output)")
        #expect(!result.output.contains("Unknown option") && !result.output.contains("Missing value"), "\(result.output)")
        let quarantine = try await Self.erpctl([
            "inventory", "adjust", "--sku", "S", "--warehouse", "W", "--lot", "L", "--delta", "-1", "--reason", "broken",
            "--quarantine", "scrap",
        ])
        #expect(quarantine.status == 64, "an unknown disposition is a bad argument: \(quarantine.output)")
    }

    @Test(arguments: [
        ["dead", "replay"], ["dead", "replay", "x", "--all"], ["dead", "purge"], ["migrate", "--service", "nope"], ["nonsense"],
        ["dead", "list", "--amqp-url", "http://x"],
        ["warehouse", "pick-list", "--warehouse", "SH", "--format", "xml"], ["warehouse", "pick-list"],
        ["outbound", "list", "--platform", "Web Shop"], ["outbound", "list", "--platform", "web", "--limit", "0"],
        ["orders", "ship", "--order", "1", "--shipment", "S1", "--carrier", "sf", "--tracking", "T", "--line", "1:2", "--shipped-at", "yesterday"],
        ["orders", "ship", "--order", "1", "--shipment", "S1", "--carrier", "sf", "--tracking", "T", "--line", "1:2", "--weight-grams", "0"],
        ["orders", "ship", "--order", "1", "--shipment", "S1", "--carrier", "sf", "--tracking", "T"], ["orders", "remove-line", "--order", "1"],
        ["orders", "republish", "--batch", "0"], ["crm", "show", "--customer", "1", "--limit", "0"], ["crm", "show"],
        ["crm", "merge", "--customer", "1", "--into", "1", "--reason", "same"],
        ["analytics", "describe", "orders;drop"], ["analytics", "describe", "orders", "--markdown"],
        ["analytics", "describe", "--analytics-url", "http://x"], ["analytics", "sales", "--by", "year"],
        ["analytics", "sales", "--from", "2026-13-01"], ["analytics", "sales", "--from", "2026-12-01", "--to", "2026-11-01"],
        ["analytics", "sales", "--platform", "Web Shop"], ["analytics", "sales", "--format", "xml"], ["analytics", "inventory", "--top", "0"],
        ["analytics", "trends", "--top", "5000"], ["analytics", "finance", "--to", "soon"],
        ["analytics", "lead-time", "set", "--sku", "*", "--warehouse", "*", "--days", "0"],
        ["analytics", "lead-time", "set", "--sku", "A B", "--warehouse", "*", "--days", "3"], ["analytics", "run", "everything"],
        ["report", "save", "--name", "x", "--file", "/no/such/file.sql"],
        ["report", "save", "--name", "x", "--file", "/etc/hostname", "--param", "from"],
        ["report", "run", "x", "--timeout", "0"], ["report", "run", "x", "--param", "from"],
        ["report", "run", "x", "--param", "a=1", "--param", "a=2"],
        ["crm", "recommend"], ["crm", "recommend", "--customer", "1", "--sku", "TEA"], ["crm", "recommend", "--customer", "1", "--limit", "0"],
        ["crm", "recommend", "--customer", "0"], ["crm", "recommend", "--sku", " TEA"],
        ["crm", "log", "--customer", "1", "--channel", "fax", "--direction", "in", "--summary", "s"],
        ["crm", "consent", "--customer", "1", "--channel", "email", "--opt", "maybe", "--source", "form"],
        ["crm", "consent", "--customer", "1", "--channel", "email", "--opt", "in", "--source", "form", "--at", "yesterday"],
        ["crm", "ticket", "open", "--customer", "1", "--kind", "praise", "--subject", "s"],
        ["crm", "ticket", "open", "--customer", "1", "--kind", "repair", "--subject", "s", "--order", "1"],
        ["crm", "ticket", "open", "--customer", "1", "--kind", "resend", "--subject", "s", "--line", "1:1"],
        ["crm", "ticket", "open", "--customer", "1", "--kind", "enquiry", "--subject", "s", "--line", "1:1"],
        ["crm", "ticket", "open", "--customer", "1", "--kind", "repair", "--subject", "s", "--order", "1", "--line", "one"],
        ["crm", "ticket", "status", "--ticket", "1", "--to", "in_progress", "--repair", "repaired"],
        ["crm", "ticket", "status", "--ticket", "1", "--to", "resolved", "--repair", "fixed"],
        ["crm", "ticket", "status", "--ticket", "1", "--to", "done"], ["crm", "survey", "answer", "--token", "t"],
        ["crm", "segments", "nonsense"], ["crm", "segments", "refresh", "--json", "x"],
        ["crm", "quarantine", "list", "--limit", "0"], ["crm", "quarantine", "retry", "x"], ["crm", "quarantine", "show"],
        ["crm", "satisfaction", "--by", "week"], ["crm", "satisfaction", "--from", "2026-12-01", "--to", "2026-11-01"],
        ["crm", "notifications", "retry"], ["crm", "notifications", "retry", "5", "--failed"], ["crm", "notifications", "--limit", "0"],
        ["crm", "rules", "add", "--name", "x", "--event", "e", "--audience", "everyone", "--template", "t"],
        ["crm", "rules", "add", "--name", "x", "--event", "e", "--audience", "team", "--channel", "fax", "--template", "t"],
        ["crm", "rules", "add", "--name", "x", "--event", "e", "--audience", "customer", "--template", "t", "--purpose", "spam"],
        ["crm", "templates", "set", "--name", "x", "--locale", "en", "--file", "/nonexistent/template.txt"],
        ["crm", "rules", "test", "--event", "/nonexistent/event.json"],
        ["crm", "segment", "members", "--name", "vip", "--format", "xml"], ["crm", "segment", "define", "--name", "vip", "--rule", "/nonexistent"],
    ])
    func badArgumentsExitWith64AndSayWhy(arguments: [String]) async throws {
        let result = try await Self.erpctl(arguments)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("Error:"))
    }

    @Test func recommendForAnUnknownCustomerSaysSoAndForASKUPrintsJSON() async throws {
        let migrated = try await Self.erpctl(["migrate", "--service", "crm"])
        #expect(migrated.status == 0, "\(migrated.output)")
        let unknown = try await Self.erpctl(["crm", "recommend", "--customer", "987654321"])
        #expect(unknown.status == 1, "\(unknown.output)")
        #expect(unknown.output.contains("no customer 987654321"), "\(unknown.output)")
        let similar = try await Self.erpctl(["crm", "recommend", "--sku", "NO-SUCH-SKU", "--limit", "3", "--json"])
        #expect(similar.status == 0, "\(similar.output)")
        struct Row: Decodable { let sku: String; let basis: String }
        let decoded = try JSONDecoder().decode([Row].self, from: Data(similar.output.utf8))
        #expect(decoded.count <= 3)
        let noPairs = decoded.allSatisfy { $0.basis != "pairs" }
        #expect(noPairs, "a SKU nobody bought goes with nothing: \(decoded)")
    }

    @Test func anUnreachableServerExitsWith1AndNamesIt() async throws {
        let broker = try await Self.erpctl(["dead", "list", "--amqp-url", "amqp://guest:guest@127.0.0.1:1/"])
        #expect(broker.status == 1)
        #expect(broker.output.contains("cannot reach the broker at 127.0.0.1:1"))
        let database = try await Self.erpctl(["migrate", "--database-url", "postgres://erp:wrong@127.0.0.1:54329/erp"])
        #expect(database.status == 1)
        #expect(database.output.contains("password authentication failed"))
    }

    @Test func checkPrintsEachInvariantAsHeld() async throws {
        for service in ["inventory", "finance", "orders", "saga", "crm"] {
            let migrated = try await Self.erpctl(["migrate", "--service", service])
            #expect(migrated.status == 0, "\(migrated.output)")
        }
        let check = try await Self.erpctl(["check", "--json"])
        #expect(check.status == 0, "\(check.output)")
        let results = try JSONDecoder().decode([[String: AnyCodableValue]].self, from: Data(check.output.utf8))
        #expect(
            results.count == 36,
            "8 stock checks (purchase receipts, recalled lots), 4 money, 4 books against goods and invoices, 1 shipments, 3 split and merge, 3 intake and amendments, 4 sagas, 6 customers, 1 parked"
        )
        let table = try await Self.erpctl(["check"])
        #expect(table.output.contains("held   1. stock: on hand equals the ledger"), "\(table.output)")
        #expect(table.output.contains("held   5. sagas: every saga is finished or waiting with a deadline"), "\(table.output)")
        #expect(table.output.contains("held   6. customers: every order is on a live profile and on its timeline exactly once"), "\(table.output)")
    }

    @Test func theShippedNotificationRulesAndTemplatesCanBeReadAndTriedWithoutSending() async throws {
        let migrated = try await Self.erpctl(["migrate", "--service", "crm"])
        #expect(migrated.status == 0, "\(migrated.output)")
        let rules = try await Self.erpctl(["crm", "rules", "list"])
        #expect(rules.status == 0 && rules.output.contains("order_shipped") && rules.output.contains("stock_low"), "\(rules.output)")
        let template = try await Self.erpctl(["crm", "templates", "show", "--name", "order_shipped"])
        #expect(template.output.hasPrefix("Subject: Order {{order}} is on its way\nEvent: orders.order.shipment_recorded.v1\n"), "\(template.output)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("erp-event-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(
            #"{"type": "inventory.stock.low.v1", "payload": {"sku": "TEA-1", "warehouse": "HZ", "available": 2, "minimum": 5}}"#.utf8
        ).write(to: URL(fileURLWithPath: file))
        let tried = try await Self.erpctl(["crm", "rules", "test", "--event", file])
        #expect(tried.status == 0, "\(tried.output)")
        #expect(tried.output.contains("rule stock_low (email): "), "\(tried.output)")
        let unknown = try await Self.erpctl(["crm", "notifications", "--customer", "999999999"])
        #expect(unknown.status == 0 && unknown.output.contains("(no rows)"), "\(unknown.output)")
    }

    @Test func topologyDeclareAndMigrateAreIdempotent() async throws {
        for _ in 0..<2 {
            let topology = try await Self.erpctl(["topology", "declare"])
            #expect(topology.status == 0, "\(topology.output)")
            let migrate = try await Self.erpctl(["migrate"])
            #expect(migrate.status == 0, "\(migrate.output)")
        }
    }
}

/// Any JSON scalar or container, for reading erpctl's JSON without its types.
enum AnyCodableValue: Decodable {
    case value
    init(from decoder: any Decoder) throws { self = .value }
}

extension ErpctlCommandTests {
    /// Bad arguments of the finance, inventory and catalog commands of purchasing and the books
    /// are refused before anything is sent, naming the option.
    @Test(arguments: [
        (
            ["finance", "journal-entry", "--date", "2026-12-01", "--line", "6100:debit", "--line", "1000:credit:5", "--memo", "m"],
            "is not ACCOUNT:debit|credit:AMOUNT"
        ),
        (["finance", "journal-entry", "--date", "2026-12-01", "--line", "6100:debit:5", "--memo", "m"], "at least two lines"),
        (["finance", "journal-entry", "--date", "1 Dec", "--line", "6100:debit:5", "--line", "1000:credit:5", "--memo", "m"], "--date"),
        (
            ["finance", "supplier-bill", "--supplier", "S", "--po", "PO-1", "--number", "N", "--line", "1:x:2.00", "--amount", "2"],
            "is not ORDER_LINE:QUANTITY:UNIT_PRICE"
        ),
        (["finance", "supplier-bill", "--supplier", "S", "--po", "PO-1", "--number", "N", "--amount", "2"], "a bill has at least one line"),
        (["finance", "pay-supplier", "--amount", "1", "--reference", "R"], "give --supplier (and --bill) or --purchase-ref"),
        (["finance", "expense", "--account", "6100", "--amount", "1", "--reference", "R"], "give --supplier (owed) or --payee (paid)"),
        (["finance", "rates", "set", "--currency", "USD", "--rate", "seven"], "is not a positive decimal"),
        (["finance", "tax-rate", "set", "--category", "standard", "--rate", "13.125", "--from", "2027-01-01"], "more than two decimals"),
        (["catalog", "search", "--attribute", "material"], "--attribute 'material' is not name=value"),
        (["catalog", "search", "--format", "xml"], "--format must be table, json or csv"),
        (["catalog", "attributes", "--product", "P"], "give --set name=value or --remove name"),
    ])
    func badArgumentsOfTheBooksAndSearchAreRefusedNamingWhatIsWrong(arguments: [String], message: String) async throws {
        let result = try await Self.erpctl(arguments)
        #expect(result.status != 0)
        #expect(result.output.contains(message), "\(result.output)")
    }
}
