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

    public init(
        host: String = "127.0.0.1", port: Int = 5672, user: String = "guest", password: String = "guest",
        vhost: String = "/", heartbeat: Int = 30, connectTimeout: Int = 10, frameMax: Int = 131_072,
        connectionName: String = "erp"
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
    }

    /// Parses an `amqp://` URL. Query items: `heartbeat`, `connection_timeout` (seconds),
    /// `frame_max`, `connection_name`; any other item is refused.
    public init(url: String) throws {
        func invalid(_ why: String) -> AMQPError {
            AMQPError(code: .invalidConfiguration, message: "invalid broker URL '\(Self.redacted(url))': \(why)")
        }
        guard let components = URLComponents(string: url) else { throw invalid("not a URL") }
        guard components.scheme?.lowercased() == "amqp" else {
            throw invalid("scheme must be amqp:// (amqps is not supported by this build)")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        let port = components.port ?? 5672
        guard (1...65535).contains(port) else { throw invalid("port \(port) out of range") }
        var vhost = "/"
        let path = components.percentEncodedPath
        if path.count > 1 {
            let encoded = String(path.dropFirst())
            guard !encoded.contains("/") else { throw invalid("the vhost must be one path segment (write / as %2f)") }
            vhost = encoded.removingPercentEncoding ?? encoded
        }
        self.init(
            host: host, port: port, user: components.user?.removingPercentEncoding ?? "guest",
            password: components.password?.removingPercentEncoding ?? "guest", vhost: vhost)
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
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
            default:
                throw invalid("unknown parameter '\(item.name)'")
            }
        }
    }

    /// The URL with its password replaced by `***`, for logs and errors.
    public static func redacted(_ url: String) -> String { ConnectionURL.redacted(url) }
}
