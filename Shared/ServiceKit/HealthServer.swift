import Foundation
import Hummingbird
import Logging
import Prometheus

/// One thing a service needs to be ready (the database, the broker): returns nil when
/// it is fine, else the reason it is not.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let check: @Sendable () async -> String?

    public init(name: String, check: @escaping @Sendable () async -> String?) {
        self.name = name
        self.check = check
    }
}

/// The HTTP endpoints every service serves:
/// - `GET /health/live`: 200 while the process runs;
/// - `GET /health/ready`: 200 when every readiness check passes, else 503 with the reasons (JSON);
/// - `GET /metrics`: the Prometheus text of `registry`.
public enum HealthServer {
    public static func make(
        host: String, port: Int, checks: [ReadinessCheck], registry: PrometheusCollectorRegistry, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/health/live") { _, _ in
            Self.json(.ok, #"{"status":"live"}"#)
        }
        router.get("/health/ready") { _, _ in
            var failures: [(String, String)] = []
            await withTaskGroup(of: (String, String?).self) { group in
                for check in checks { group.addTask { (check.name, await Self.withTimeout(check)) } }
                for await (name, reason) in group {
                    if let reason { failures.append((name, reason)) }
                }
            }
            if failures.isEmpty { return Self.json(.ok, #"{"status":"ready"}"#) }
            let reasons = failures.sorted { $0.0 < $1.0 }
                .map { "\(JSONLogHandler.quoted($0.0)):\(JSONLogHandler.quoted($0.1))" }.joined(separator: ",")
            return Self.json(.serviceUnavailable, #"{"status":"not ready","reasons":{"# + reasons + "}}")
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "erp"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A check that does not answer within 3 seconds has failed.
    private static func withTimeout(_ check: ReadinessCheck) async -> String? {
        await withTaskGroup(of: String??.self) { group in
            group.addTask { .some(await check.check()) }
            group.addTask {
                try? await Task.sleep(for: .seconds(3))
                return .some("no answer within 3 seconds")
            }
            let first = await group.next()!
            group.cancelAll()
            return first ?? nil
        }
    }
}
