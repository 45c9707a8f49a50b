import Crypto
import Foundation

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
    /// secrets convention). A file that cannot be read or is empty, or a platform given both
    /// ways, is refused with the variable's name: a platform must never be taken unsigned by
    /// mistake.
    public init(environment: [String: String]) throws(IngestSecretError) {
        let generic = environment["ERP_INGEST_GENERIC_PLATFORMS"].map {
            Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        }
        let prefix = "ERP_INGEST_SECRET_"
        var secrets: [String: String] = [:]
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) && !value.isEmpty {
            var key = String(name.dropFirst(prefix.count))
            var secret = value
            if key.hasSuffix("_FILE") {
                key.removeLast("_FILE".count)
                guard let contents = FileManager.default.contents(atPath: value) else {
                    throw IngestSecretError(variable: name, problem: "cannot read \(value)")
                }
                secret = String(decoding: contents, as: UTF8.self)
                while secret.hasSuffix("\n") || secret.hasSuffix("\r") { secret.removeLast() }
                guard !secret.isEmpty else { throw IngestSecretError(variable: name, problem: "\(value) is empty") }
            }
            let platform = key.lowercased().replacingOccurrences(of: "_", with: "-")
            guard secrets[platform] == nil else {
                throw IngestSecretError(variable: name, problem: "the secret of \(platform) is set twice (\(prefix)\(key) and its _FILE)")
            }
            secrets[platform] = secret
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

/// A platform's signing secret that cannot be used.
public struct IngestSecretError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String
    public var description: String { "invalid \(variable): \(problem)" }
}
