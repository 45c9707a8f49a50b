import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Where webhook notifications go: `ERP_WEBHOOK_URL` (an SMS, messaging-app or chat
/// gateway), each body signed with `ERP_WEBHOOK_SECRET`.
public struct WebhookConfiguration: Sendable, Equatable {
    public var url: String
    public var secret: String
    public var timeout: Duration = .seconds(10)

    public init(url: String, secret: String) throws(ConfigurationProblem) {
        guard let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host?.isEmpty == false else {
            throw ConfigurationProblem("ERP_WEBHOOK_URL is an http:// or https:// address (got \"\(url)\")")
        }
        guard secret.utf8.count >= 16 else { throw ConfigurationProblem("ERP_WEBHOOK_SECRET is at least 16 characters (it signs every body)") }
        (self.url, self.secret) = (url, secret)
    }
}

/// POSTs a JSON body to the gateway with `X-ERP-Signature: sha256=<hex HMAC-SHA256 of the
/// body>` and `Idempotency-Key`. 2xx is done; 429, 5xx, a timeout or no connection is tried
/// again; any other 4xx fails at once.
public struct WebhookSender: Sendable {
    let configuration: WebhookConfiguration

    public static func signature(_ body: Data, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    func send(_ body: Data, idempotencyKey: String) async throws {
        var request = HTTPClientRequest(url: configuration.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-ERP-Signature", value: Self.signature(body, secret: configuration.secret))
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(configuration.timeout.components.seconds)))
        } catch {
            throw DeliveryFailure(permanent: false, "the webhook \(configuration.url) did not answer: \(error)")
        }
        let status = Int(response.status.code)
        let text = String(buffer: (try? await response.body.collect(upTo: 4_096)) ?? ByteBuffer())
        switch status {
        case 200..<300: return
        case 429, 500..<600: throw DeliveryFailure(permanent: false, "the webhook answered \(status): \(text.prefix(300))")
        default: throw DeliveryFailure(permanent: true, "the webhook answered \(status): \(text.prefix(300))")
        }
    }
}
