import AMQP
import Contracts
import Foundation
import Messaging

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

extension IngestMessage {
    /// A delivery from `erp.ingest` as a platform message: its headers may come as strings or as bytes.
    public init(_ delivery: RawDelivery) {
        // A header may come as a string or as bytes (an AMQP byte array): both are read.
        func header(_ name: String) -> String? {
            switch delivery.properties.headers[name] {
            case .string(let text)?: return text
            case .bytes(let bytes)?: return String(decoding: bytes, as: UTF8.self)
            default: return nil
            }
        }
        self.init(
            exchange: delivery.exchange, routingKey: delivery.routingKey, messageID: delivery.properties.messageID,
            signature: header(IngestMessage.signatureHeader), shopHeader: header(IngestMessage.shopifyShopHeader), body: delivery.body)
    }
}
