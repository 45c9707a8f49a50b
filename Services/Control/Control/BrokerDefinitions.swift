import Crypto
import Foundation
import Messaging
import ServiceKit

/// The broker's users and what each may do, as a RabbitMQ definitions file (loaded at boot
/// under compose, imported with `rabbitmqctl import_definitions` by the local runner).
/// Least privilege:
/// - the administrator (RabbitMQ's first user, for the broker itself) may do anything;
/// - the operator's user `erpctl` (erpctl and the `migrate` job) may declare, read and publish
///   anything in the ERP's virtual host and set its policies, but is no administrator: it
///   cannot add users or virtual hosts, nor change permissions;
/// - each service's user `erp-<service>` may declare, bind and read only its own queues
///   (`<service>.…`), read the ERP's exchanges to bind to them, and publish only to the
///   ERP's internal exchanges (never to `erp.ingest`, which is the outside world's);
/// - each external platform's user `platform-<name>` may only publish to `erp.ingest`
///   with routing keys `platform.<name>.…` (a topic permission), and read its connector's
///   queue `outbound.<name>`;
/// - each warehouse's `warehouse-<code>` and carrier's `carrier-<name>` likewise publish
///   only `warehouse.<code>.…` and `carrier.<name>.…` to `erp.ingest`.
/// Passwords are stored salted and hashed (SHA-256), as RabbitMQ stores them.
///
/// The file also holds the queues' policies (``QueuePolicy``): delivery limits,
/// dead-lettering, delays and lengths, which an operator can change later in place.
public struct BrokerDefinitions: Sendable {
    public struct User: Sendable, Equatable {
        public let name: String
        public let password: String
        /// RabbitMQ's user tags (`administrator`; the operator's `policymaker`, `monitoring`).
        public let tags: [String]
        public var administrator: Bool { tags.contains("administrator") }
        public let configure: String
        public let write: String
        public let read: String
        /// Routing keys it may publish to `erp.ingest` (a topic permission), if limited.
        public let ingestKeys: String?
    }

    public let vhost: String
    public let users: [User]
    public let policies: [QueuePolicy]

    /// The ERP's exchanges, other than the outside world's `erp.ingest`.
    static let internalExchanges = #"erp\.(events|commands|replies|retry|dead|outbound)"#
    static let allExchanges = #"erp\.(ingest|ingest\.unrouted|events|commands|replies|retry|dead|outbound)"#

    /// Builds the users from the environment. Every password is required (or its `_FILE`):
    /// a missing one is an error naming its variable.
    /// - `ERP_RABBITMQ_USER` (default `erp`), `ERP_RABBITMQ_PASSWORD`: the administrator;
    /// - `ERP_ERPCTL_AMQP_USER` (default `erpctl`), `ERP_ERPCTL_AMQP_PASSWORD`: the operator;
    /// - `ERP_<SERVICE>_AMQP_PASSWORD` for each service in `services`;
    /// - `ERP_BROKER_PLATFORMS`, `ERP_BROKER_WAREHOUSES`, `ERP_BROKER_CARRIERS`: comma-separated
    ///   names, each with `ERP_PLATFORM_<NAME>_AMQP_PASSWORD`, `ERP_WAREHOUSE_<CODE>_AMQP_PASSWORD`,
    ///   `ERP_CARRIER_<NAME>_AMQP_PASSWORD`.
    public init(services: [String], environment: [String: String], vhost: String = "/", policies: [QueuePolicy] = []) throws {
        let reader = EnvironmentReader(environment)
        func password(_ variable: String) throws -> String {
            guard let value = try reader.secret(variable) else {
                throw ConfigurationError(variable: variable, value: "", expected: "a password (or \(variable)_FILE naming a file that holds it)")
            }
            return value
        }
        func names(_ variable: String, pattern: Regex<Substring>) throws -> [String] {
            let list = (reader.value(variable) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for name in list where name.wholeMatch(of: pattern) == nil {
                throw ConfigurationError(variable: variable, value: name, expected: "names of letters, digits, '-' and '_'")
            }
            return list
        }
        func variablePart(_ name: String) -> String { name.uppercased().replacingOccurrences(of: "-", with: "_") }

        let admin = reader.value("ERP_RABBITMQ_USER") ?? "erp"
        var users = [
            User(
                name: admin, password: try password("ERP_RABBITMQ_PASSWORD"), tags: ["administrator"], configure: ".*", write: ".*", read: ".*",
                ingestKeys: nil)
        ]
        let operatorName = reader.value("ERP_ERPCTL_AMQP_USER") ?? "erpctl"
        guard operatorName.wholeMatch(of: /[A-Za-z0-9_-]+/) != nil else {
            throw ConfigurationError(variable: "ERP_ERPCTL_AMQP_USER", value: operatorName, expected: "a name of letters, digits, '-' and '_'")
        }
        users.append(
            User(
                name: operatorName, password: try password("ERP_ERPCTL_AMQP_PASSWORD"), tags: ["policymaker", "monitoring"], configure: ".*",
                write: ".*", read: ".*", ingestKeys: nil))
        for service in services {
            let own = "\(NSRegularExpression.escapedPattern(for: service))\\..*"
            users.append(
                User(
                    name: "erp-\(service)", password: try password("ERP_\(variablePart(service))_AMQP_PASSWORD"), tags: [],
                    configure: "^\(own)$", write: "^(\(own)|\(Self.internalExchanges))$", read: "^(\(own)|\(Self.allExchanges))$",
                    ingestKeys: nil))
        }
        let safe = /[A-Za-z0-9_-]+/
        for platform in try names("ERP_BROKER_PLATFORMS", pattern: safe) {
            let name = NSRegularExpression.escapedPattern(for: platform)
            users.append(
                User(
                    name: "platform-\(platform)", password: try password("ERP_PLATFORM_\(variablePart(platform))_AMQP_PASSWORD"),
                    tags: [], configure: "^$", write: #"^erp\.ingest$"#, read: #"^outbound\."# + name + "$",
                    ingestKeys: #"^platform\."# + name + #"\."#))
        }
        for (kind, variable) in [("warehouse", "ERP_BROKER_WAREHOUSES"), ("carrier", "ERP_BROKER_CARRIERS")] {
            for party in try names(variable, pattern: safe) {
                users.append(
                    User(
                        name: "\(kind)-\(party)", password: try password("ERP_\(kind.uppercased())_\(variablePart(party))_AMQP_PASSWORD"),
                        tags: [], configure: "^$", write: #"^erp\.ingest$"#, read: "^$",
                        ingestKeys: "^\(kind)\\.\(NSRegularExpression.escapedPattern(for: party))\\."))
            }
        }
        // The operator's name may not be another user's, the administrator's included (that user
        // would be defined twice, once with everything allowed).
        if users.filter({ $0.name == operatorName }).count > 1 {
            throw ConfigurationError(variable: "ERP_ERPCTL_AMQP_USER", value: operatorName, expected: "a name no other broker user has")
        }
        self.init(vhost: vhost, users: users, policies: policies)
    }

    public init(vhost: String, users: [User], policies: [QueuePolicy] = []) {
        self.vhost = vhost
        self.users = users
        self.policies = policies
    }

    /// RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ‖ SHA-256(salt ‖ password)).
    public static func passwordHash(_ password: String, salt: [UInt8]) -> String {
        let digest = SHA256.hash(data: salt + Array(password.utf8))
        return Data(salt + Array(digest)).base64EncodedString()
    }

    /// The definitions file (JSON), each password hashed with a fresh random salt.
    public func json() throws -> Data {
        var generator = SystemRandomNumberGenerator()
        let userEntries: [[String: Any]] = users.map { user in
            let salt = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
            return [
                "name": user.name, "password_hash": Self.passwordHash(user.password, salt: salt),
                "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": user.tags,
            ]
        }
        let permissions: [[String: Any]] = users.map { user in
            ["user": user.name, "vhost": vhost, "configure": user.configure, "write": user.write, "read": user.read]
        }
        let topicPermissions: [[String: Any]] = users.compactMap { user in
            user.ingestKeys.map { ["user": user.name, "vhost": vhost, "exchange": "erp.ingest", "write": $0, "read": "^$"] }
        }
        let definitions: [String: Any] = [
            "users": userEntries, "vhosts": [["name": vhost]], "permissions": permissions, "topic_permissions": topicPermissions,
            "policies": policies.map { $0.jsonObject(vhost: vhost) },
        ]
        return try JSONSerialization.data(withJSONObject: definitions, options: [.prettyPrinted, .sortedKeys])
    }
}
