import AMQP
import Foundation
import Logging
import Postgres

/// A service's settings, read only from environment variables. Every variable has a
/// default that works on one machine (the local runner's servers); a value that does not
/// parse is refused with the variable's name, the value and what was expected. Secrets
/// (the URLs and the passwords) may instead be read from a file named by `<VARIABLE>_FILE`,
/// the Docker secrets convention.
public struct ServiceEnvironment: Sendable {
    public var databaseURL: String
    public var amqpURL: String
    /// Replaces the URL's password: set apart, a password needs no URL escaping.
    public var databasePassword: String?
    public var amqpPassword: String?
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var databasePoolSize: Int
    public var consumerBatchSize: Int
    public var consumerPrefetch: Int
    public var outboxBatchSize: Int
    /// Whether consumers hand what they committed to the relay (`ERP_OUTBOX_HAND_OFF`).
    public var outboxHandOff: Switch

    public enum Switch: String, Sendable, CaseIterable {
        case on, off
    }

    public enum LogFormat: String, Sendable, CaseIterable {
        case json, text
    }

    /// The variables, their defaults and meaning (for `--help`, the README and errors).
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("ERP_DATABASE_URL", "postgres://erp:erp@127.0.0.1:54329/erp", "PostgreSQL URL (sslmode, application_name, connect_timeout may be added)"),
        ("ERP_AMQP_URL", "amqp://guest:guest@127.0.0.1:5679/%2f", "RabbitMQ URL (heartbeat, connection_timeout may be added)"),
        ("ERP_DATABASE_PASSWORD", "the URL's", "the database password, in place of the one in ERP_DATABASE_URL (no URL escaping)"),
        ("ERP_AMQP_PASSWORD", "the URL's", "the broker password, in place of the one in ERP_AMQP_URL (no URL escaping)"),
        ("ERP_HTTP_HOST", "127.0.0.1", "address the health and metrics endpoints listen on"),
        ("ERP_HTTP_PORT", "the service's own port", "port of GET /health/live, /health/ready, /metrics"),
        ("ERP_LOG_LEVEL", "info", "trace, debug, info, notice, warning, error or critical"),
        ("ERP_LOG_FORMAT", "json", "json (one object per line) or text"),
        ("ERP_DB_POOL_SIZE", "4", "database connections per service instance (1-100)"),
        (
            "ERP_CONSUMER_BATCH_SIZE", "200",
            "most deliveries handled in one transaction (1-1000); a batch takes only what has arrived, so a large value adds no wait"
        ),
        ("ERP_CONSUMER_PREFETCH", "400", "unacknowledged deliveries per consumer (1-65535, at least the batch size)"),
        ("ERP_OUTBOX_BATCH_SIZE", "500", "outbox rows published per relay batch (1-10000)"),
        (
            "ERP_OUTBOX_HAND_OFF", "on",
            "on: consumers hand what they committed to the relay, which publishes it from memory; off: the relay reads every row back, woken by NOTIFY"
        ),
    ]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, defaultHTTPPort: Int) throws {
        let reader = EnvironmentReader(environment)
        databaseURL = try reader.secret("ERP_DATABASE_URL") ?? "postgres://erp:erp@127.0.0.1:54329/erp"
        do { _ = try PostgresConfiguration(url: databaseURL) } catch {
            throw ConfigurationError(variable: "ERP_DATABASE_URL", value: PostgresConfiguration.redacted(databaseURL), expected: "\(error)")
        }
        amqpURL = try reader.secret("ERP_AMQP_URL") ?? "amqp://guest:guest@127.0.0.1:5679/%2f"
        do { _ = try AMQPConfiguration(url: amqpURL) } catch {
            throw ConfigurationError(variable: "ERP_AMQP_URL", value: AMQPConfiguration.redacted(amqpURL), expected: "\(error)")
        }
        databasePassword = try reader.secret("ERP_DATABASE_PASSWORD")
        amqpPassword = try reader.secret("ERP_AMQP_PASSWORD")
        httpHost = reader.value("ERP_HTTP_HOST") ?? "127.0.0.1"
        httpPort = try reader.integer("ERP_HTTP_PORT", default: defaultHTTPPort, in: 0...65535)
        let level = reader.value("ERP_LOG_LEVEL") ?? "info"
        guard let parsedLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigurationError(
                variable: "ERP_LOG_LEVEL", value: level,
                expected: "one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        logLevel = parsedLevel
        let format = reader.value("ERP_LOG_FORMAT") ?? "json"
        guard let parsedFormat = LogFormat(rawValue: format.lowercased()) else {
            throw ConfigurationError(variable: "ERP_LOG_FORMAT", value: format, expected: "json or text")
        }
        logFormat = parsedFormat
        databasePoolSize = try reader.integer("ERP_DB_POOL_SIZE", default: 4, in: 1...100)
        consumerBatchSize = try reader.integer("ERP_CONSUMER_BATCH_SIZE", default: 200, in: 1...1000)
        consumerPrefetch = try reader.integer("ERP_CONSUMER_PREFETCH", default: 400, in: 1...65535)
        guard consumerPrefetch >= consumerBatchSize else {
            throw ConfigurationError(
                variable: "ERP_CONSUMER_PREFETCH", value: String(consumerPrefetch),
                expected: "at least ERP_CONSUMER_BATCH_SIZE (\(consumerBatchSize))")
        }
        outboxBatchSize = try reader.integer("ERP_OUTBOX_BATCH_SIZE", default: 500, in: 1...10_000)
        outboxHandOff = try reader.choice("ERP_OUTBOX_HAND_OFF", default: Switch.on)
    }

    public var database: PostgresConfiguration {
        var configuration = try! PostgresConfiguration(url: databaseURL)
        if let databasePassword { configuration.password = databasePassword }
        return configuration
    }

    public var broker: AMQPConfiguration {
        var configuration = try! AMQPConfiguration(url: amqpURL)
        if let amqpPassword { configuration.password = amqpPassword }
        return configuration
    }
}

/// An environment variable with a value that cannot be used.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let value: String
    public let expected: String
    public init(variable: String, value: String, expected: String) { (self.variable, self.value, self.expected) = (variable, value, expected) }

    public var description: String { "invalid \(variable)='\(value)': expected \(expected)" }
}

/// Reads settings from environment variables: unset or blank gives the default, a value
/// that cannot be used throws a ``ConfigurationError`` naming the variable.
public struct EnvironmentReader: Sendable {
    public let environment: [String: String]
    public init(_ environment: [String: String]) { self.environment = environment }

    public func value(_ name: String) -> String? {
        guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    /// A secret: the variable's value, or the contents of the file `<name>_FILE` names (one
    /// trailing newline dropped). Both set, or a file that cannot be read, is an error.
    public func secret(_ name: String) throws -> String? {
        let direct = value(name)
        guard let path = value(name + "_FILE") else { return direct }
        guard direct == nil else {
            throw ConfigurationError(variable: name + "_FILE", value: path, expected: "either \(name) or \(name)_FILE, not both")
        }
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(variable: name + "_FILE", value: path, expected: "a readable file holding \(name)")
        }
        var text = String(decoding: contents, as: UTF8.self)
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else {
            throw ConfigurationError(variable: name + "_FILE", value: path, expected: "a file holding \(name) (it is empty)")
        }
        return text
    }

    public func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let raw = value(name) else { return fallback }
        guard let number = Int(raw), range.contains(number) else {
            throw ConfigurationError(variable: name, value: raw, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws -> T where T.RawValue == String {
        guard let raw = value(name) else { return fallback }
        guard let choice = T(rawValue: raw) else {
            throw ConfigurationError(variable: name, value: raw, expected: "one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }
}

/// Settings of telling the platforms back that more than one service reads.
extension EnvironmentReader {
    /// `ERP_OUTBOUND_PLATFORMS` (comma separated, lower case; default `shopify,web`), sorted.
    public func outboundPlatforms() throws -> [String] {
        guard let listed = value("ERP_OUTBOUND_PLATFORMS") else { return ["shopify", "web"] }
        let platforms = Set(listed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        guard platforms.allSatisfy({ $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") } }) else {
            throw ConfigurationError(
                variable: "ERP_OUTBOUND_PLATFORMS", value: listed, expected: "platform names (lower case letters, digits, -), comma separated")
        }
        return platforms.sorted()
    }

    /// `ERP_SHOPIFY_LOCATION_<WAREHOUSE>`: the Shopify location id of each warehouse named.
    public func shopifyLocations() throws -> [String: Int64] {
        var locations: [String: Int64] = [:]
        for name in environment.keys where name.hasPrefix("ERP_SHOPIFY_LOCATION_") {
            guard let value = value(name) else { continue }
            guard let id = Int64(value), id > 0 else {
                throw ConfigurationError(variable: name, value: value, expected: "a Shopify location id (a positive whole number)")
            }
            locations[String(name.dropFirst("ERP_SHOPIFY_LOCATION_".count))] = id
        }
        return locations
    }
}
