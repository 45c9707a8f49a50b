import AMQP
import ArgumentParser
import Foundation
import Postgres
import ServiceKit

/// Server addresses, from options or the same environment variables the services read.
public struct ServerOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (default: $ERP_DATABASE_URL or the local runner's).")
    var databaseURL = ProcessInfo.processInfo.environment["ERP_DATABASE_URL"] ?? "postgres://erp:erp@127.0.0.1:54329/erp"

    @Option(name: .customLong("amqp-url"), help: "RabbitMQ URL (default: $ERP_AMQP_URL or the local runner's).")
    var amqpURL = ProcessInfo.processInfo.environment["ERP_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5679/%2f"

    public init() {}

    /// ERP_DATABASE_PASSWORD / ERP_AMQP_PASSWORD (or their `_FILE`s), as the services read
    /// them: a password kept apart from its URL, in place of the URL's.
    private func password(_ variable: String) throws -> String? {
        do { return try EnvironmentReader(ProcessInfo.processInfo.environment).secret(variable) } catch {
            throw ValidationError("\(error)")
        }
    }

    func database() throws -> PostgresConfiguration {
        do {
            var configuration = try PostgresConfiguration(url: databaseURL)
            if let password = try password("ERP_DATABASE_PASSWORD") { configuration.password = password }
            configuration.applicationName = "erpctl"
            configuration.connectTimeout = 5
            return configuration
        } catch {
            throw ValidationError("--database-url: \(error)")
        }
    }

    /// Runs `body` with a one-connection pool on the database, closed after; a failure is
    /// one line saying what was being read.
    func reading(_ what: String, _ body: (PostgresPool) async throws -> Void) async throws {
        let pool = PostgresPool(configuration: try database(), size: 1)
        do {
            try await reporting("reading \(what)") { try await body(pool) }
            await pool.close()
        } catch {
            await pool.close()
            throw error
        }
    }

    func broker() throws -> AMQPConfiguration {
        do {
            var configuration = try AMQPConfiguration(url: amqpURL)
            if let password = try password("ERP_AMQP_PASSWORD") { configuration.password = password }
            configuration.connectionName = "erpctl"
            configuration.connectTimeout = 5
            return configuration
        } catch {
            throw ValidationError("--amqp-url: \(error)")
        }
    }
}

/// A failure erpctl reports in one line and exits 1 for (unreachable server, refused operation).
struct ControlFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body`, turning server errors into one clear line.
func reporting<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ValidationError {
        throw error
    } catch {
        throw ControlFailure(description: "\(what) failed: \(error)")
    }
}
