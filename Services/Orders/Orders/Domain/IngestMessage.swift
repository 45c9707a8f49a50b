import Contracts
import Foundation

/// What the routing key of a platform message says: `platform.<platform>.order.<event>`.
public struct IngestRoutingKey: Sendable, Equatable {
    public enum Event: String, Sendable, CaseIterable, Codable {
        case created, updated, paid, cancelled
    }

    public let platform: String
    public let event: Event

    public init(_ key: String) throws(IntakeRejection) {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "platform", parts[2] == "order", !parts[1].isEmpty else {
            throw IntakeRejection("bad-routing-key", "routing key '\(key)' is not platform.<platform>.order.<event>")
        }
        guard let event = Event(rawValue: String(parts[3])) else {
            throw IntakeRejection(
                "bad-routing-key", "event '\(parts[3])' in '\(key)' is not one of \(Event.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        platform = String(parts[1])
        self.event = event
    }
}

/// Why a platform message was not taken: a short code for the quarantine and a sentence.
public struct IntakeRejection: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: String
    public let reason: String
    public init(_ code: String, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { "\(code): \(reason)" }
}

/// A platform message as it arrived (or as the quarantine kept it).
public struct IngestMessage: Sendable, Equatable {
    public static let signatureHeader = "x-erp-signature"
    public static let shopifyShopHeader = "x-shopify-shop-domain"
    /// Bodies above this are refused unread.
    public static let maximumBodySize = 1 << 20

    public let exchange: String
    public let routingKey: String
    public let messageID: String?
    public let signature: String?
    public let shopHeader: String?
    public let body: Data

    /// Refuses a body above ``maximumBodySize`` unread.
    public func requireSize() throws(IntakeRejection) {
        guard body.count <= Self.maximumBodySize else {
            throw IntakeRejection("too-large", "the body is \(body.count) bytes; at most \(Self.maximumBodySize) are taken")
        }
    }

    public init(exchange: String, routingKey: String, messageID: String?, signature: String?, shopHeader: String?, body: Data) {
        (self.exchange, self.routingKey, self.messageID, self.signature, self.shopHeader, self.body) =
            (exchange, routingKey, messageID, signature, shopHeader, body)
    }
}
