import Foundation

/// The AMQP 0-9-1 basic properties of a message. Unset (nil) properties are not sent.
public struct AMQPProperties: Sendable, Hashable {
    public var contentType: String?
    public var contentEncoding: String?
    public var headers: AMQPTable
    /// True for `delivery_mode=2`: the broker writes the message to disk.
    public var persistent: Bool
    public var priority: UInt8?
    public var correlationID: String?
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as a decimal string.
    public var expiration: String?
    public var messageID: String?
    /// Seconds precision on the wire.
    public var timestamp: Date?
    public var type: String?
    public var userID: String?
    public var appID: String?

    public init(
        contentType: String? = nil, contentEncoding: String? = nil, headers: AMQPTable = [:], persistent: Bool = true,
        priority: UInt8? = nil, correlationID: String? = nil, replyTo: String? = nil, expiration: String? = nil,
        messageID: String? = nil, timestamp: Date? = nil, type: String? = nil, userID: String? = nil, appID: String? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.persistent = persistent
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
    }
}

/// One message received from a queue. Acknowledge it through the consumer it came from.
public struct AMQPDelivery: Sendable {
    public let deliveryTag: UInt64
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let consumerTag: String
    public let properties: AMQPProperties
    public let body: Data
    /// Which connection of the consumer delivered it; an ack for an older one is not sent
    /// (the broker redelivers those messages after a reconnect).
    public let connectionGeneration: Int
}

/// A message handed back by the broker because it was published `mandatory` and no queue took it.
public struct AMQPReturnedMessage: Sendable, Hashable {
    public let replyCode: Int
    public let replyText: String
    public let exchange: String
    public let routingKey: String

    public init(replyCode: Int, replyText: String, exchange: String, routingKey: String) {
        self.replyCode = replyCode
        self.replyText = replyText
        self.exchange = exchange
        self.routingKey = routingKey
    }
}
