/// Everything that can go wrong talking to RabbitMQ, with what was being done and the
/// broker's reply code and text when it gave one.
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let invalidConfiguration = Code("invalid configuration")
        /// Nothing listens at the address, or the TCP connection could not be made in time.
        public static let connectionRefused = Code("connection refused")
        /// The TLS handshake failed: the broker's certificate is not signed by the CA given, does
        /// not name the host, or the broker refused the client's certificate.
        public static let tlsFailed = Code("TLS failed")
        /// The broker refused the user name or password.
        public static let authenticationFailed = Code("authentication failed")
        /// The virtual host in the URL does not exist.
        public static let vhostNotFound = Code("vhost not found")
        /// The user may not do this (403 ACCESS_REFUSED).
        public static let accessRefused = Code("access refused")
        /// An exchange or queue does not exist (404 NOT_FOUND).
        public static let notFound = Code("not found")
        /// A declaration conflicts with the existing one (406 PRECONDITION_FAILED).
        public static let preconditionFailed = Code("precondition failed")
        /// The queue is used exclusively by another connection (405 RESOURCE_LOCKED).
        public static let resourceLocked = Code("resource locked")
        /// The broker closed the channel for another reason.
        public static let channelClosed = Code("channel closed")
        /// The connection was lost or closed by the broker; unconfirmed publishes may be re-sent.
        public static let connectionLost = Code("connection lost")
        /// The connection is down (reconnecting) or was closed by its owner.
        public static let notConnected = Code("not connected")
        /// The broker cancelled the consumer (its queue was deleted, or it failed over).
        public static let consumerCancelled = Code("consumer cancelled")
        /// The broker sent something this client did not expect.
        public static let protocolViolation = Code("protocol violation")
    }

    public var code: Code
    public var message: String
    /// AMQP reply code from the broker (403, 404, 406, 320...), when it sent one.
    public var replyCode: Int?
    /// What was being done: `queue.declare orders.events`, `login`, `basic.publish`...
    public var operation: String?

    public init(code: Code, message: String, replyCode: Int? = nil, operation: String? = nil) {
        self.code = code
        self.message = message
        self.replyCode = replyCode
        self.operation = operation
    }

    public var description: String {
        var text = "amqp \(code)"
        if let operation { text += " during \(operation)" }
        if let replyCode { text += " [\(replyCode)]" }
        return text + ": \(message)"
    }

    /// Maps a broker reply code (channel.close / connection.close) to a code.
    static func code(forReply replyCode: Int) -> Code {
        switch replyCode {
        case 403: return .accessRefused
        case 404: return .notFound
        case 405: return .resourceLocked
        case 406: return .preconditionFailed
        case 320, 501, 502, 503, 504, 505, 506, 530, 540, 541: return .connectionLost
        default: return .channelClosed
        }
    }
}
