import AsyncHTTPClient
import Foundation
import Messaging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import TestSupport

/// Sets and removes queue policies through RabbitMQ's management API. A deployment's
/// policies come from the broker's definitions file (`erpctl broker definitions`); a test's
/// queues have names of their own, so the test sets the same policies for them
/// (``ServiceQueue/policies``) before its queues are declared, and removes them after.
public enum TestBrokerPolicies {
    public struct ManagementError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sets `policies` on the test broker's default virtual host.
    public static func apply(_ policies: [QueuePolicy]) async throws {
        guard !policies.isEmpty else { return }
        let entries = policies.map { $0.jsonObject(vhost: "/") }
        let body = try JSONSerialization.data(withJSONObject: ["policies": entries])
        _ = try await request(.POST, "/api/definitions/%2F", body: body)
    }

    /// The policies of `queues` (the queue's own and its delay queues').
    public static func apply(for queues: [ServiceQueue]) async throws {
        try await apply(queues.flatMap(\.policies))
    }

    /// Removes policies; those already gone are no error.
    public static func remove(_ policies: [QueuePolicy]) async {
        for policy in policies { _ = try? await request(.DELETE, "/api/policies/%2F/\(escaped(policy.name))", allowing: [404]) }
    }

    public static func remove(for queues: [ServiceQueue]) async {
        await remove(queues.flatMap(\.policies))
    }

    /// What the broker says of a queue (`GET /api/queues/<vhost>/<name>`): `arguments`,
    /// `policy` (the name of the policy in force), `effective_policy_definition`...
    public static func queueDetails(_ queue: String) async throws -> [String: Any] {
        let data = try await request(.GET, "/api/queues/%2F/\(escaped(queue))")
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ManagementError(description: "GET queue \(queue): not a JSON object")
        }
        return object
    }

    private static func escaped(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? name
    }

    private static func request(_ method: HTTPMethod, _ path: String, body: Data? = nil, allowing allowed: Set<UInt> = []) async throws -> Data {
        guard let url = URLComponents(string: TestEnvironment.brokerManagementURL), let host = url.host else {
            throw ManagementError(description: "ERP_TEST_AMQP_MANAGEMENT_URL is no http URL: \(TestEnvironment.brokerManagementURL)")
        }
        var request = HTTPClientRequest(url: "\(url.scheme ?? "http")://\(host):\(url.port ?? 15672)\(path)")
        request.method = method
        let credentials = Data("\(url.user ?? "guest"):\(url.password ?? "guest")".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
        guard (200..<300).contains(response.status.code) || allowed.contains(response.status.code) else {
            throw ManagementError(
                description: "\(method) \(path) on RabbitMQ's management API: \(response.status) \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }
}
