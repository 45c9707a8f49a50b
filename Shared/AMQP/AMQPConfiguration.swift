import ConnectionThread
import Foundation

/// Where and how to connect, usually parsed from `amqp://user:pass@host:5672/vhost`.
/// An empty path means the default vhost `/`; `%2f` is `/` too.
public struct AMQPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String
    /// Heartbeat to ask the broker for, in seconds; 0 disables heartbeats.
    public var heartbeat: Int
    /// Seconds to wait for the TCP connection.
    public var connectTimeout: Int
    public var frameMax: Int
    /// Shown in the broker's connection list (`connection_name`).
    public var connectionName: String
    /// TLS (`amqps://`), or nil for plain TCP.
    public var tls: TLS?

    /// How to speak TLS to the broker: whose signature its certificate must bear, and the
    /// client's own certificate if the broker asks for one.
    public struct TLS: Sendable, Equatable {
        /// PEM file of the CA(s) the broker's certificate must chain to; nil: the system's
        /// bundle, ``systemCABundle``.
        public var caCertificateFile: String?
        /// Debian's bundle of the system's CAs (package `ca-certificates`).
        public static let systemCABundle = "/etc/ssl/certs/ca-certificates.crt"
        /// PEM files of a client certificate and its key (both or neither).
        public var certificateFile: String?
        public var keyFile: String?
        /// Check the broker's certificate (chain and host name, which must be a DNS name:
        /// librabbitmq cannot check an IP address). Off only with `verify=verify_none`.
        public var verifyPeer: Bool

        public init(caCertificateFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, verifyPeer: Bool = true) {
            self.caCertificateFile = caCertificateFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.verifyPeer = verifyPeer
        }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 5672, user: String = "guest", password: String = "guest",
        vhost: String = "/", heartbeat: Int = 30, connectTimeout: Int = 10, frameMax: Int = 131_072,
        connectionName: String = "erp", tls: TLS? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.vhost = vhost
        self.heartbeat = heartbeat
        self.connectTimeout = connectTimeout
        self.frameMax = frameMax
        self.connectionName = connectionName
        self.tls = tls
    }

    /// Parses an `amqp://` or `amqps://` URL (RabbitMQ's URI spec; `amqps` defaults to port
    /// 5671). Query items: `heartbeat`, `connection_timeout` (seconds), `frame_max`,
    /// `connection_name`, and with `amqps` `cacertfile`, `certfile`, `keyfile` (PEM files) and
    /// `verify` (`verify_peer`, the default, or `verify_none`); any other item is refused.
    public init(url: String) throws {
        func invalid(_ why: String) -> AMQPError {
            AMQPError(code: .invalidConfiguration, message: "invalid broker URL '\(Self.redacted(url))': \(why)")
        }
        let parts: ConnectionURL.Parts
        do {
            parts = try ConnectionURL.parse(url, schemes: ["amqp", "amqps"])
        } catch let error as ConnectionURL.ParseError {
            throw invalid(error.description)
        }
        guard parts.hosts.count == 1 else { throw invalid("one host only") }
        let secure = parts.scheme == "amqps"
        let port = parts.hosts[0].port ?? (secure ? 5671 : 5672)
        guard !parts.encodedPath.contains("/") else { throw invalid("the vhost must be one path segment (write / as %2f)") }
        self.init(
            host: parts.hosts[0].host, port: port, user: parts.user ?? "guest", password: parts.password ?? "guest",
            vhost: parts.path.isEmpty ? "/" : parts.path, tls: secure ? TLS() : nil)
        for (name, value) in parts.query {
            switch name {
            case "heartbeat":
                guard let seconds = Int(value), seconds >= 0, seconds <= 65535 else { throw invalid("heartbeat '\(value)' is not 0...65535 seconds") }
                heartbeat = seconds
            case "connection_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw invalid("connection_timeout '\(value)' is not a positive number of seconds")
                }
                connectTimeout = seconds
            case "frame_max":
                guard let bytes = Int(value), bytes >= 4096 else { throw invalid("frame_max '\(value)' is below 4096") }
                frameMax = bytes
            case "connection_name":
                connectionName = value
            case "cacertfile", "certfile", "keyfile", "verify":
                guard var tls else { throw invalid("\(name) is for amqps:// URLs (TLS)") }
                guard !value.isEmpty else { throw invalid("\(name) is empty") }
                switch name {
                case "cacertfile": tls.caCertificateFile = value
                case "certfile": tls.certificateFile = value
                case "keyfile": tls.keyFile = value
                default:
                    guard value == "verify_peer" || value == "verify_none" else {
                        throw invalid("verify '\(value)' is not verify_peer or verify_none")
                    }
                    tls.verifyPeer = value == "verify_peer"
                }
                self.tls = tls
            default:
                throw invalid("unknown parameter '\(name)'")
            }
        }
        if let tls, (tls.certificateFile == nil) != (tls.keyFile == nil) { throw invalid("certfile and keyfile go together") }
    }

    /// The URL with its password replaced by `***`, for logs and errors.
    public static func redacted(_ url: String) -> String { ConnectionURL.redacted(url) }
}
