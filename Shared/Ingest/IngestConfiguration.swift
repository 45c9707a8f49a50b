import Crypto
import Foundation
import ServiceKit

/// Which platforms send the canonical format, and the HMAC secrets of the platforms that
/// sign their messages. From the environment: `ERP_INGEST_GENERIC_PLATFORMS` (comma
/// separated; default `web,generic,import`) and `ERP_INGEST_SECRET_<PLATFORM>` (upper case,
/// `-` as `_`). Shopify's format is always understood, under the platform `shopify`.
public struct IngestConfiguration: Sendable, Equatable {
    public var genericPlatforms: Set<String>
    public var secrets: [String: String]

    public init(genericPlatforms: Set<String> = ["web", "generic", "import"], secrets: [String: String] = [:]) {
        self.genericPlatforms = genericPlatforms
        self.secrets = secrets
    }

    /// A secret may also come from a file: `ERP_INGEST_SECRET_<PLATFORM>_FILE` (the Docker
    /// secrets convention, read as every secret is: ``EnvironmentReader/secret(_:)``). A file
    /// that cannot be read or is empty, or a platform given both ways, is refused with the
    /// variable's name: a platform must never be taken unsigned by mistake.
    public init(environment: [String: String]) throws {
        let generic = environment["ERP_INGEST_GENERIC_PLATFORMS"].map {
            Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        let prefix = "ERP_INGEST_SECRET_"
        let reader = EnvironmentReader(environment)
        let variables = Set(
            environment.keys.filter { $0.hasPrefix(prefix) }.map { $0.hasSuffix("_FILE") ? String($0.dropLast("_FILE".count)) : $0 })
        var secrets: [String: String] = [:]
        for variable in variables {
            guard let secret = try reader.secret(variable) else { continue }
            secrets[String(variable.dropFirst(prefix.count)).lowercased().replacingOccurrences(of: "_", with: "-")] = secret
        }
        self.init(genericPlatforms: generic ?? ["web", "generic", "import"], secrets: secrets)
    }

    public enum Format: Sendable, Equatable { case canonical, shopify }

    public func format(of platform: String) -> Format? {
        if platform == "shopify" { return .shopify }
        return genericPlatforms.contains(platform) ? .canonical : nil
    }

    /// Checks the message's signature if the platform has a secret: base64 of
    /// HMAC-SHA256(body, secret), compared in constant time.
    public func verify(_ message: IngestMessage, platform: String) throws(IntakeRejection) {
        guard let secret = secrets[platform] else { return }
        guard let given = message.signature, !given.isEmpty else {
            throw IntakeRejection("unsigned", "platform \(platform) signs its messages and this one has no \(IngestMessage.signatureHeader) header")
        }
        guard let givenBytes = Data(base64Encoded: given.trimmingCharacters(in: .whitespaces)) else {
            throw IntakeRejection("bad-signature", "the \(IngestMessage.signatureHeader) header is not base64")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(givenBytes, authenticating: message.body, using: SymmetricKey(data: Data(secret.utf8)))
        else { throw IntakeRejection("bad-signature", "the signature does not match the body and platform \(platform)'s secret") }
    }

    /// The signature a platform with `secret` puts on `body` (for tests, tools and connectors).
    public static func signature(of body: Data, secret: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))).base64EncodedString()
    }
}
