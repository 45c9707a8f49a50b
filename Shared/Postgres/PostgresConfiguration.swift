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

    /// A server to try: libpq tries them in their order until one accepts the connection
    /// and suits `targetSessionAttributes`.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int = 5432) {
            self.host = host
            self.port = port
        }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// What a session must be for libpq to keep it (`target_session_attrs`): with several
    /// hosts, `read-write` or `primary` finds the primary after a failover.
    public enum TargetSessionAttributes: String, Sendable, CaseIterable {
        case any
        case readWrite = "read-write"
        case readOnly = "read-only"
        case primary, standby
        case preferStandby = "prefer-standby"
    }

    /// The first server; ``failoverHosts`` are tried after it.
    public var host: String
    public var port: Int
    public var failoverHosts: [Endpoint] = []
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// The CA certificate(s) that must have signed the server's (`sslrootcert`), for
    /// `verify-ca` and `verify-full`; libpq's default is `~/.postgresql/root.crt`.
    public var sslRootCertificate: String?
    /// A client certificate and its key (`sslcert`, `sslkey`), for servers that ask for one.
    public var sslCertificate: String?
    public var sslKey: String?
    public var targetSessionAttributes: TargetSessionAttributes = .any
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

    /// Every server, in the order libpq tries them.
    public var endpoints: [Endpoint] { [Endpoint(host: host, port: port)] + failoverHosts }

    /// Parses a `postgres://` or `postgresql://` URL, with one host or several
    /// (`postgres://user:pass@db1:5432,db2:5432/erp?target_session_attrs=read-write`).
    /// Query items: `sslmode`, `sslrootcert`, `sslcert`, `sslkey`, `target_session_attrs`,
    /// `application_name`, `connect_timeout`, and `host=/directory` for a Unix-domain socket
    /// on the same machine (`postgres://erp:pw@localhost:5432/erp?host=/run/postgresql`: the
    /// port names the socket file, no TCP and no TLS); any other item is refused so that a
    /// typo does not pass silently.
    public init(url: String) throws {
        func invalid(_ why: String) -> PostgresError {
            PostgresError(code: .invalidConfiguration, message: "invalid database URL '\(Self.redacted(url))': \(why)", sentToServer: false)
        }
        let parts: ConnectionURL.Parts
        do {
            parts = try ConnectionURL.parse(url, schemes: ["postgres", "postgresql"])
        } catch let error as ConnectionURL.ParseError {
            throw invalid(error.description)
        }
        guard let user = parts.user, !user.isEmpty else { throw invalid("no user") }
        guard !parts.path.isEmpty, !parts.encodedPath.contains("/") else { throw invalid("no database name in the path") }
        let first = parts.hosts[0]
        self.init(host: first.host, port: first.port ?? 5432, user: user, password: parts.password, database: parts.path)
        failoverHosts = parts.hosts.dropFirst().map { Endpoint(host: $0.host, port: $0.port ?? 5432) }
        for (name, value) in parts.query {
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw invalid("sslmode '\(value)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = mode
            case "sslrootcert", "sslcert", "sslkey":
                guard !value.isEmpty else { throw invalid("\(name) is empty: give the path of a PEM file") }
                if name == "sslrootcert" { sslRootCertificate = value } else if name == "sslcert" { sslCertificate = value } else { sslKey = value }
            case "target_session_attrs":
                guard let attributes = TargetSessionAttributes(rawValue: value) else {
                    throw invalid(
                        "target_session_attrs '\(value)' is not one of \(TargetSessionAttributes.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                targetSessionAttributes = attributes
            case "host":
                // libpq's own spelling for a Unix-domain socket: the directory that holds it.
                guard value.hasPrefix("/") else { throw invalid("host '\(value)' in the query is a socket directory and starts with '/'") }
                guard failoverHosts.isEmpty else { throw invalid("a socket directory (host=) and several hosts do not go together") }
                host = value
            case "application_name":
                applicationName = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw invalid("connect_timeout '\(value)' is not a positive number of seconds") }
                connectTimeout = seconds
            default:
                throw invalid("unknown parameter '\(name)'")
            }
        }
        if (sslCertificate == nil) != (sslKey == nil) { throw invalid("sslcert and sslkey go together") }
        if sslRootCertificate != nil && [.disable, .allow, .prefer].contains(sslMode) {
            throw invalid("sslrootcert is only checked with sslmode=verify-ca or verify-full, not \(sslMode.rawValue)")
        }
    }

    /// The URL with its password replaced by `***`, for logs and errors.
    public static func redacted(_ url: String) -> String { ConnectionURL.redacted(url) }

    /// libpq keyword/value pairs. Sessions always run in UTC with ISO dates so that
    /// timestamps decode the same way whatever the server's defaults.
    var libpqParameters: [(String, String)] {
        var parameters = [
            ("host", endpoints.map(\.host).joined(separator: ",")), ("port", endpoints.map { String($0.port) }.joined(separator: ",")),
            ("user", user), ("dbname", database), ("sslmode", sslMode.rawValue), ("target_session_attrs", targetSessionAttributes.rawValue),
            ("application_name", applicationName),
            ("connect_timeout", String(connectTimeout)), ("client_encoding", "UTF8"),
            (
                "options",
                "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601" + (planCacheMode.map { " -c plan_cache_mode=\($0.rawValue)" } ?? "")
            ),
            ("keepalives", "1"), ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
        ]
        if let password { parameters.append(("password", password)) }
        if let sslRootCertificate { parameters.append(("sslrootcert", sslRootCertificate)) }
        if let sslCertificate, let sslKey { parameters += [("sslcert", sslCertificate), ("sslkey", sslKey)] }
        return parameters
    }
}
