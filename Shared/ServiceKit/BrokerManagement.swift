import AsyncHTTPClient
import ConnectionThread
import Foundation
import Messaging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// RabbitMQ's management HTTP API, for what AMQP cannot do: setting the queues' policies
/// and reading a queue's details. The user needs the `policymaker` (the operator's `erpctl`)
/// or `administrator` tag.
public struct BrokerManagement: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `http(s)://host:port`, without credentials.
    public let baseURL: String
    public let vhost: String
    let user: String
    let password: String
    /// How long a request may take (an import makes the broker match every queue of the
    /// virtual host against every policy).
    public var timeout: TimeAmount = .seconds(60)

    /// `url` is `http://[user:password@]host:port`; credentials missing from it are `user`
    /// and `password` (the broker's AMQP administrator's, usually).
    public init(url: String, user: String = "guest", password: String = "guest", vhost: String = "/") throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty
        else {
            throw Failure(description: "the management API's URL '\(ConnectionURL.redacted(url))' is no http(s)://host:port")
        }
        baseURL = "\(scheme)://\(host):\(components.port ?? 15672)"
        self.user = components.user?.removingPercentEncoding ?? user
        self.password = components.password?.removingPercentEncoding ?? password
        self.vhost = vhost
    }

    /// Sets `policies` in the virtual host, a policy of the same name replaced. As one import of
    /// definitions, which only an administrator may make; for a `policymaker` (the operator's
    /// `erpctl`), refused that, one `PUT /api/policies` per policy, eight at a time.
    public func apply(_ policies: [QueuePolicy]) async throws {
        guard !policies.isEmpty else { return }
        let body = try JSONSerialization.data(withJSONObject: ["policies": policies.map { $0.jsonObject(vhost: vhost) }])
        let imported = try await request(.POST, "/api/definitions/\(Self.escaped(vhost))", body: body, allowing: [401, 403])
        guard imported.refused else { return }
        let bodies = try policies.map { (name: $0.name, body: try JSONSerialization.data(withJSONObject: $0.jsonObject())) }
        for start in stride(from: 0, to: bodies.count, by: 8) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for policy in bodies[start..<min(start + 8, bodies.count)] {
                    group.addTask {
                        _ = try await request(.PUT, "/api/policies/\(Self.escaped(vhost))/\(Self.escaped(policy.name))", body: policy.body)
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Removes policies; those already gone are no error.
    public func remove(_ policies: [QueuePolicy]) async {
        for policy in policies {
            _ = try? await request(.DELETE, "/api/policies/\(Self.escaped(vhost))/\(Self.escaped(policy.name))", allowing: [404])
        }
    }

    /// What the broker says of a queue: `arguments`, `policy` (the name of the policy in
    /// force), `effective_policy_definition`... The figures lag the broker by up to its
    /// statistics interval (5 s).
    public func queueDetails(_ queue: String) async throws -> [String: Any] {
        let data = try await request(.GET, "/api/queues/\(Self.escaped(vhost))/\(Self.escaped(queue))")
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "GET queue \(queue) from \(baseURL): not a JSON object")
        }
        return object
    }

    /// Deletes a virtual host and everything in it; one already gone is no error. (An
    /// administrator's call: the tests clean up with it, without a `rabbitmqctl` run each.)
    public func deleteVirtualHost(_ name: String) async throws {
        _ = try await request(.DELETE, "/api/vhosts/\(Self.escaped(name))", allowing: [404])
    }

    /// Deletes users in one request (an administrator's call); those already gone are no error.
    public func deleteUsers(_ names: [String]) async throws {
        guard !names.isEmpty else { return }
        let body = try JSONSerialization.data(withJSONObject: ["users": names])
        // The broker answers 400 `no_such_user` when one of the names is not there.
        _ = try await request(.POST, "/api/users/bulk-delete", body: body, allowing: [400])
    }

    static func escaped(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? name
    }

    private func request(_ method: HTTPMethod, _ path: String, body: Data? = nil) async throws -> Data {
        try await request(method, path, body: body, allowing: []).data
    }

    /// The response's body, and whether its status was one of `allowed` rather than a success.
    private func request(_ method: HTTPMethod, _ path: String, body: Data? = nil, allowing allowed: Set<UInt>) async throws -> (
        data: Data, refused: Bool
    ) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Basic \(Data("\(user):\(password)".utf8).base64EncodedString())")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: timeout)
        } catch {
            throw Failure(description: "\(method) \(path) on RabbitMQ's management API at \(baseURL): \(error)")
        }
        let data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
        guard (200..<300).contains(response.status.code) || allowed.contains(response.status.code) else {
            let hint = [401, 403].contains(response.status.code) ? " (user \(user) needs the administrator or policymaker tag)" : ""
            throw Failure(
                description:
                    "\(method) \(path) on RabbitMQ's management API at \(baseURL): \(response.status)\(hint) \(String(decoding: data.prefix(500), as: UTF8.self))"
            )
        }
        return (data, !(200..<300).contains(response.status.code))
    }
}
