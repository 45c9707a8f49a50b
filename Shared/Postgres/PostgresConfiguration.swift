import ConnectionThread
import Foundation

/// Where and how to connect, usually parsed from a URL such as
/// `postgres://user:pass@host:5432/db?sslmode=disable&application_name=erp-orders&connect_timeout=5`.
public struct PostgresConfiguration: Sendable, Equatable {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String
    /// Seconds to wait for a connection before giving up (libpq's `connect_timeout`).
    public var connectTimeout: Int
    /// How the sessions plan prepared statements (PostgreSQL's `plan_cache_mode`); nil: the server's default.
    public var planCacheMode: PlanCacheMode?

    public enum PlanCacheMode: String, Sendable, Equatable {
        case auto
        /// Planned once per session: for statements that all go by key, where planning costs more than running.
        case forceGenericPlan = "force_generic_plan"
        case forceCustomPlan = "force_custom_plan"
    }

    public init(
        host: String = "127.0.0.1", port: Int = 5432, user: String, password: String? = nil, database: String,
        sslMode: SSLMode = .prefer, applicationName: String = "erp", connectTimeout: Int = 10
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
    }

    /// Parses a `postgres://` or `postgresql://` URL. Query items: `sslmode`,
    /// `application_name`, `connect_timeout`; any other item is refused so that a typo
    /// does not pass silently.
    public init(url: String) throws {
        func invalid(_ why: String) -> PostgresError {
            PostgresError(code: .invalidConfiguration, message: "invalid database URL '\(Self.redacted(url))': \(why)", sentToServer: false)
        }
        guard let components = URLComponents(string: url) else { throw invalid("not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else { throw invalid("no database name in the path") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw invalid("port \(port) out of range") }
        self.init(
            host: host, port: port, user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: path.removingPercentEncoding ?? path)
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw invalid("sslmode '\(value)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "application_name":
                applicationName = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw invalid("connect_timeout '\(value)' is not a positive number of seconds") }
                connectTimeout = seconds
            default:
                throw invalid("unknown parameter '\(item.name)'")
            }
        }
    }

    /// The URL with its password replaced by `***`, for logs and errors.
    public static func redacted(_ url: String) -> String { ConnectionURL.redacted(url) }

    /// libpq keyword/value pairs. Sessions always run in UTC with ISO dates so that
    /// timestamps decode the same way whatever the server's defaults.
    var libpqParameters: [(String, String)] {
        var parameters = [
            ("host", host), ("port", String(port)), ("user", user), ("dbname", database),
            ("sslmode", sslMode.rawValue), ("application_name", applicationName),
            ("connect_timeout", String(connectTimeout)), ("client_encoding", "UTF8"),
            (
                "options",
                "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601" + (planCacheMode.map { " -c plan_cache_mode=\($0.rawValue)" } ?? "")
            ),
            ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
        ]
        if let password { parameters.append(("password", password)) }
        return parameters
    }
}
