import ArgumentParser
import Contracts
import Foundation
import Postgres
import ServiceKit

/// Sends a request that starts or retries a saga, and with `wait` polls the saga's row
/// until it is no longer waiting; prints the saga's end and exits 1 unless it completed.
func startSaga<M: Message>(_ request: M, servers: ServerOptions, output: OutcomeOptions, wait: Bool) async throws {
    let outcome = try await sendWaiting(request, servers: servers, output: output)
    guard wait, let started = try outcome.result?.decode(SagaRequest.Started.self) else { return }
    let pool = PostgresPool(configuration: try servers.database(), size: 1)
    do {
        try await awaitEnd(of: started, pool, timeout: output.timeout)
        await pool.close()
    } catch {
        await pool.close()
        throw error
    }
}

/// Polls the saga's row until it is no longer waiting; throws unless it completed.
private func awaitEnd(of started: SagaRequest.Started, _ pool: PostgresPool, timeout: Int) async throws {
    let deadline = Date().addingTimeInterval(Double(timeout))
    while Date() < deadline {
        let row = try await pool.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT status, coalesce(state->'failure'->>'reason', '') FROM saga.instances WHERE id = $1
                    """, binds: [started.saga])
        ).first
        if let row, try row.decode(String.self, at: 0) != "waiting" {
            let status = try row.decode(String.self, at: 0), reason = try row.decode(String.self, at: 1)
            print("saga \(started.saga.uuidString.lowercased()) \(status)\(reason.isEmpty ? "" : ": \(reason)")")
            guard status == "completed" else {
                throw ControlFailure(description: "the \(started.type) saga \(status) (erpctl saga show \(started.saga))")
            }
            return
        }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw ControlFailure(description: "saga \(started.saga) still waiting after \(timeout) s (erpctl saga show \(started.saga))")
}

extension OrdersCommands {
    struct SplitOrder: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "split",
            abstract: "Split an unshipped order into child orders (saga): by parts, or by the warehouses it is reserved in.",
            discussion: """
                Each --part is LINE:QUANTITY[,LINE:QUANTITY...]: the units one child takes. What no part takes becomes one more \
                child. Example: --part 2:1 splits one unit of line 2 off the rest.
                """)
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Option var order: Int64
        @Option(name: .customLong("part"), help: "LINE:QUANTITY[,LINE:QUANTITY...], once per child.") var parts: [String] = []
        @Flag(name: .customLong("by-warehouse"), help: "One child per warehouse the order is reserved in.") var byWarehouse = false
        @Option var reason: String
        @Flag(help: "Wait until the saga ends; exit 1 unless it completed.") var wait = false

        func validate() throws {
            guard !parts.isEmpty != byWarehouse else { throw ValidationError("give --part (once per child) or --by-warehouse") }
            _ = try parsedParts()
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason is empty") }
        }

        func parsedParts() throws -> [[OrderCommand.ShipmentLine]] {
            try parts.map { part in try part.split(separator: ",").map { try lineQuantity(String($0), option: "--part '\(part)'") } }
        }

        func run() async throws {
            try await startSaga(
                SagaRequest.StartSplit(order: order, parts: try parsedParts(), byWarehouse: byWarehouse, reason: reason),
                servers: servers, output: output, wait: wait)
        }
    }
}

extension SagaCommands {
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try a stuck saga's failed compensation again.")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Argument var id: String
        @Flag(help: "Wait until the saga ends; exit 1 unless it completed.") var wait = false
        func validate() throws { guard UUID(uuidString: id) != nil else { throw ValidationError("'\(id)' is not a saga id (a UUID)") } }
        func run() async throws {
            try await startSaga(SagaRequest.Retry(saga: UUID(uuidString: id)!), servers: servers, output: output, wait: wait)
        }
    }
}

/// `LINE:QUANTITY` (both at least 1), as `--line` and `--part` take it.
func lineQuantity(_ text: String, option: String) throws -> OrderCommand.ShipmentLine {
    let fields = text.split(separator: ":")
    guard fields.count == 2, let line = Int(fields[0]), let quantity = Int(fields[1]), line > 0, quantity > 0 else {
        throw ValidationError("\(option): '\(text)' is not LINE:QUANTITY with both at least 1")
    }
    return OrderCommand.ShipmentLine(line: line, quantity: quantity)
}

extension OrdersCommands {
    struct MergeOrders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Merge unshipped orders of the same customer, shop, address and currency into one (saga).")
        @OptionGroup var servers: ServerOptions
        @OptionGroup var output: OutcomeOptions
        @Argument(help: "The orders, at least two.") var orders: [Int64] = []
        @Option var reason: String
        @Flag(help: "Wait until the saga ends; exit 1 unless it completed.") var wait = false

        func validate() throws {
            guard Set(orders).count >= 2, Set(orders).count == orders.count else { throw ValidationError("name at least two different orders") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason is empty") }
        }

        func run() async throws {
            try await startSaga(SagaRequest.StartMerge(orders: orders, reason: reason), servers: servers, output: output, wait: wait)
        }
    }
}
