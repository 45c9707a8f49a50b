import ArgumentParser
import Contracts
import Foundation
import Messaging
import ServiceKit

/// How a command's outcome is printed: `--json` for programs, else lines and tables for people.
struct OutcomeOptions: ParsableArguments {
    @Flag(help: "Print the outcome as JSON.") var json = false
    @Option(help: "Seconds to wait for the service's outcome.") var timeout: Int = 30
    @Option(name: .customLong("commands-exchange"), help: .hidden) var commandsExchange = Exchanges.commands

    func validate() throws {
        guard (1...3_600).contains(timeout) else { throw ValidationError("--timeout must be 1 to 3600 seconds") }
    }
}

/// Sends one command to its service through `erp.commands`, waits for the outcome and
/// prints it. A refusal prints the service's reason and exits 1.
func send<M: Message>(_ command: M, servers: ServerOptions, output: OutcomeOptions, correlationID: String? = nil) async throws {
    _ = try await sendWaiting(command, servers: servers, output: output, correlationID: correlationID)
}

/// ``send(_:servers:output:correlationID:)`` that also returns the outcome (done only).
@discardableResult
func sendWaiting<M: Message>(_ command: M, servers: ServerOptions, output: OutcomeOptions, correlationID: String? = nil) async throws
    -> CommandOutcome
{
    let broker = try servers.broker()
    let outcome = try await reporting("sending \(M.type)") {
        let client = try await CommandClient.connect(broker, exchange: output.commandsExchange)
        do {
            let outcome = try await client.send(command, correlationID: correlationID, timeout: .seconds(output.timeout))
            await client.close()
            return outcome
        } catch {
            await client.close()
            throw error
        }
    }
    if output.json || outcome.status == .done { print(OutcomeRendering.render(outcome, json: output.json)) }
    if outcome.status == .refused {
        throw ControlFailure(description: "refused (\(outcome.code ?? "refused")): \(outcome.reason ?? "no reason given")")
    }
    return outcome
}

/// Turns an outcome into text: JSON as it came, or for people the status, the result's
/// plain fields as `name: value` lines, and each list of records as a table.
enum OutcomeRendering {
    static func render(_ outcome: CommandOutcome, json: Bool) -> String {
        if json { return String(decoding: (try? prettyJSON(outcome)) ?? Data(), as: UTF8.self) }
        guard outcome.status == .done else { return "refused: \(outcome.reason ?? "")" }
        var lines = ["done: \(outcome.commandType)"]
        guard case .object(let fields)? = outcome.result else { return lines.joined(separator: "\n") }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            if case .array(let items) = value, !items.isEmpty {
                lines.append("\(key):")
                lines.append(table(items))
            } else {
                lines.append("\(key): \(scalar(value))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: return "-"
        case .bool(let flag): return flag ? "yes" : "no"
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case .string(let text): return text
        case .array(let items): return items.map(scalar).joined(separator: ", ")
        case .object(let object):
            if case .integer(let minor)? = object["minor_units"], case .string(let code)? = object["currency"],
                let currency = try? Currency(code: code)
            {
                return Money(minorUnits: minor, currency: currency).description
            }
            return object.sorted { $0.key < $1.key }.map { "\($0.key)=\(scalar($0.value))" }.joined(separator: " ")
        }
    }

    static func table(_ items: [JSONValue]) -> String {
        let objects = items.compactMap { item -> [String: JSONValue]? in
            if case .object(let object) = item { return object }
            return nil
        }
        // A list of plain values (reasons, order numbers): one per line.
        guard !objects.isEmpty else { return items.map { "  - " + scalar($0) }.joined(separator: "\n") }
        let columns = Array(Set(objects.flatMap(\.keys))).sorted()
        return ReportTable(columns: columns, rows: objects.map { object in columns.map { object[$0].map(scalar) } }).table
            .split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
    }
}

/// Prints a report as a table or JSON.
/// A value as erpctl prints JSON: snake_case keys (as on the wire), sorted, indented.
func prettyJSON(_ value: some Encodable) throws -> Data {
    let encoder = MessageCoding.encoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
}

func printReport(_ table: ReportTable, json: Bool) {
    print(json ? table.json : table.table)
}

/// An amount given on the command line (`12.50`) in a currency (`CNY`), or a usage error
/// that names the option.
func money(_ text: String, currency: String, option: String) throws -> Money {
    do { return try Money(parsing: text, currency: try Currency(code: currency)) } catch { throw ValidationError("\(option): \(error)") }
}

func money(_ text: String?, currency: String, option: String) throws -> Money? {
    try text.map { try money($0, currency: currency, option: option) }
}

/// An erpctl command that sends one command to its service and prints the outcome: it says
/// which command; the shared `run()` sends it and waits.
protocol SendsCommand: AsyncParsableCommand {
    associatedtype Command: Message
    var servers: ServerOptions { get }
    var output: OutcomeOptions { get }
    /// The command, from the parsed options (a value that cannot be used throws a `ValidationError`).
    func command() throws -> Command
    /// The correlation id the command travels with (none: its own id).
    var correlationID: String? { get }
}

extension SendsCommand {
    var correlationID: String? { nil }
    func run() async throws { try await send(try command(), servers: servers, output: output, correlationID: correlationID) }
}
