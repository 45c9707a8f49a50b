import CRabbitMQ
import ConnectionThread
import Foundation
import Logging
import Synchronization

/// What happened to a connection, for its owner: after `.disconnected`, publishes that
/// were not confirmed are lost to this connection and must be re-sent; after
/// `.reconnected` the channel is set up again (confirm mode, qos, consumers).
public enum AMQPConnectionEvent: Sendable {
    case disconnected(AMQPError)
    case reconnected
    case blocked(reason: String)
    case unblocked
}

/// One librabbitmq connection with one channel, owned by its own ``ConnectionThread``.
/// The connection is an actor whose executor is that thread, so every librabbitmq call
/// runs there. Between calls the thread waits on the socket, reads incoming frames
/// (deliveries, confirms, returns, cancellations) and services heartbeats. With
/// `reconnect: true` a lost connection is reopened with backoff, and ``events`` says so.
public actor AMQPConnection {
    public nonisolated let configuration: AMQPConfiguration
    public nonisolated let events: AsyncStream<AMQPConnectionEvent>
    nonisolated let thread: ConnectionThread
    nonisolated let logger: Logger
    nonisolated let channel: amqp_channel_t = 1
    private nonisolated let eventSink: AsyncStream<AMQPConnectionEvent>.Continuation
    private nonisolated let reconnect: Bool
    /// The generation of the open connection, for readers on any thread.
    private nonisolated let publishedGeneration = Mutex(0)

    /// The connection state; destroyed only by ``destroyState()``.
    var state: amqp_connection_state_t?
    /// Increases with every successful (re)connect.
    var generation = 0
    var handlers = FrameHandlers()
    /// Runs after the channel is opened (and after every reopen): confirm.select, qos, consume.
    var channelSetup: ((isolated AMQPConnection, amqp_connection_state_t) throws -> Void)?
    private var closedByOwner = false
    private var failedAttempts = 0
    private var nextAttempt = Date.distantFuture

    /// What the publisher or consumer of this connection is told, on the connection's thread.
    struct FrameHandlers {
        var delivery: ((AMQPDelivery) -> Void)?
        /// (delivery tag, multiple, acked) for publisher confirms.
        var confirm: ((UInt64, Bool, Bool) -> Void)?
        var returned: ((AMQPReturnedMessage) -> Void)?
        var consumerCancelled: ((String) -> Void)?
        /// The channel (or the whole connection) went away: outstanding confirms are void.
        var channelLost: ((AMQPError) -> Void)?
        /// The connection went away and will not be reopened (no `reconnect`, or closed by its owner).
        var connectionEnded: ((AMQPError) -> Void)?
    }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    private init(configuration: AMQPConfiguration, reconnect: Bool, logger: Logger) {
        self.configuration = configuration
        self.reconnect = reconnect
        self.logger = logger
        thread = ConnectionThread(name: "amqp:\(configuration.connectionName)")
        (events, eventSink) = AsyncStream.makeStream(of: AMQPConnectionEvent.self, bufferingPolicy: .bufferingNewest(64))
    }

    isolated deinit {
        destroyState()
        thread.stop()
    }

    /// Opens a connection and its channel. Errors say whether the broker was unreachable,
    /// refused the credentials, or has no such vhost.
    public static func connect(
        _ configuration: AMQPConfiguration, reconnect: Bool = false, logger: Logger = Logger(label: "erp.amqp")
    ) async throws -> AMQPConnection {
        try await connect(configuration, reconnect: reconnect, logger: logger) { _ in () }.connection
    }

    public static func connect(url: String, reconnect: Bool = false) async throws -> AMQPConnection {
        try await connect(AMQPConfiguration(url: url), reconnect: reconnect)
    }

    /// Opens the connection with what `configure` installs (handlers, channel setup) in place
    /// first, so nothing that arrives right after opening is missed; returns what it made.
    /// Used by the publisher and the consumer.
    static func connect<Owner: Sendable>(
        _ configuration: AMQPConfiguration, reconnect: Bool, logger: Logger,
        configure: @escaping @Sendable (isolated AMQPConnection) -> Owner
    ) async throws -> (connection: AMQPConnection, owner: Owner) {
        let connection = AMQPConnection(configuration: configuration, reconnect: reconnect, logger: logger)
        return (connection, try await connection.setUp(configure))
    }

    private func setUp<Owner: Sendable>(_ configure: @Sendable (isolated AMQPConnection) -> Owner) throws -> Owner {
        let owner = configure(self)
        do {
            try open()
        } catch {
            thread.stop()
            throw error
        }
        thread.setIdleHandler { [weak self] wakeFD in
            // Called back by the thread between jobs: isolated to this connection (checked).
            self?.assumeIsolated { $0.idle(wakeFD: wakeFD) } ?? false
        }
        return owner
    }

    /// The generation of the open connection (it grows with every reconnect), or 0 while down.
    /// Readable from any thread.
    public nonisolated var liveGeneration: Int { publishedGeneration.withLock { $0 } }

    /// True while the connection is open (false while reconnecting or after close).
    public var isConnected: Bool { state != nil }

    /// Closes the channel and the connection and stops its thread. Safe to call twice.
    public func close() {
        closedByOwner = true
        if let state {
            _ = amqp_channel_close(state, channel, AMQP_REPLY_SUCCESS)
            _ = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        }
        destroyState()
        let closed = AMQPError(code: .notConnected, message: "the connection was closed by its owner")
        handlers.channelLost?(closed)
        handlers.connectionEnded?(closed)
        // Nothing more arrives: drop what the owner installed (and whatever it captured).
        handlers = FrameHandlers()
        channelSetup = nil
        eventSink.finish()
        thread.stop()
    }

    /// Destroys the librabbitmq connection state: the one place it is destroyed.
    private func destroyState() {
        if let state { amqp_destroy_connection(state) }
        state = nil
        publishedGeneration.withLock { $0 = 0 }
    }

    /// Runs `body` with the live connection state.
    func withState<T>(_ operation: String, _ body: (amqp_connection_state_t) throws -> T) throws -> T {
        guard let state else { throw notConnected(operation) }
        return try body(state)
    }

    /// Sends an ack, nack or reject for a delivery of generation `generation`; nothing when
    /// the connection has been lost since (the broker delivers the message again).
    func settle(
        generation deliveryGeneration: Int, _ operation: String, _ send: (amqp_connection_state_t, amqp_channel_t) -> Int32
    ) {
        guard let state, generation == deliveryGeneration else { return }
        let status = send(state, channel)
        if status != AMQP_STATUS_OK.rawValue {
            connectionLost(AMQPError(code: .connectionLost, message: Self.statusText(status), operation: operation))
        }
    }

    /// The error for an operation handed to a connection whose thread has stopped.
    static func closedError(_ operation: String) -> AMQPError {
        AMQPError(code: .notConnected, message: "the connection is closed", operation: operation)
    }

    func notConnected(_ operation: String) -> AMQPError {
        AMQPError(
            code: .notConnected,
            message: closedByOwner ? "the connection is closed" : "the connection to the broker is down (reconnecting)",
            operation: operation)
    }

    // MARK: - Opening

    private func open() throws {
        guard let state = amqp_new_connection() else {
            throw AMQPError(code: .connectionRefused, message: "librabbitmq could not allocate a connection")
        }
        do {
            try login(state)
            self.state = state
            generation += 1
            let current = generation
            publishedGeneration.withLock { $0 = current }
        } catch {
            amqp_destroy_connection(state)
            throw error
        }
        do {
            try openChannel(state)
        } catch {
            destroyState()
            throw error
        }
    }

    /// A plain TCP socket, or a TLS one set up from ``AMQPConfiguration/tls``.
    private func makeSocket(_ state: amqp_connection_state_t, address: String) throws -> OpaquePointer {
        guard let tls = configuration.tls else {
            guard let socket = amqp_tcp_socket_new(state) else {
                throw AMQPError(code: .connectionRefused, message: "librabbitmq could not create a socket", operation: "connect")
            }
            return socket
        }
        guard let socket = amqp_ssl_socket_new(state) else {
            throw AMQPError(code: .tlsFailed, message: "librabbitmq could not create a TLS socket", operation: "connect")
        }
        func failed(_ what: String, _ status: Int32) -> AMQPError {
            AMQPError(code: .tlsFailed, message: "TLS for the broker at \(address): \(what): \(Self.statusText(status))", operation: "connect")
        }
        // librabbitmq loads no trust store by itself: without a CA file, the system's bundle.
        let caFile = tls.caCertificateFile ?? AMQPConfiguration.TLS.systemCABundle
        if tls.verifyPeer || tls.caCertificateFile != nil {
            let status = amqp_ssl_socket_set_cacert(socket, caFile)
            guard status == AMQP_STATUS_OK.rawValue else {
                throw failed("cannot read the CA file \(caFile)\(tls.caCertificateFile == nil ? " (the system's; give cacertfile)" : "")", status)
            }
        }
        if let certificate = tls.certificateFile, let key = tls.keyFile {
            let status = amqp_ssl_socket_set_key(socket, certificate, key)
            guard status == AMQP_STATUS_OK.rawValue else {
                throw failed("cannot use the client certificate \(certificate) with key \(key)", status)
            }
        }
        amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
        amqp_ssl_socket_set_verify_hostname(socket, tls.verifyPeer ? 1 : 0)
        return socket
    }

    private func login(_ state: amqp_connection_state_t) throws {
        let address = "\(configuration.host):\(configuration.port)"
        let socket = try makeSocket(state, address: address)
        var timeout = timeval(tv_sec: configuration.connectTimeout, tv_usec: 0)
        let status = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            let tlsFailure = [
                AMQP_STATUS_SSL_ERROR, AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED, AMQP_STATUS_SSL_PEER_VERIFY_FAILED,
                AMQP_STATUS_SSL_CONNECTION_FAILED,
            ].map(\.rawValue).contains(status)
            let message =
                tlsFailure
                ? "TLS with the broker at \(address) failed: \(Self.statusText(status))"
                    + " (CA file: \(configuration.tls?.caCertificateFile ?? AMQPConfiguration.TLS.systemCABundle); the certificate must name \(configuration.host) by its DNS name: an IP address cannot be checked)"
                : "cannot reach the broker at \(address): \(Self.statusText(status))"
            throw AMQPError(code: tlsFailure ? .tlsFailed : .connectionRefused, message: message, operation: "connect")
        }
        _ = amqp_set_handshake_timeout(state, &timeout)
        var rpcTimeout = timeval(tv_sec: 30, tv_usec: 0)
        _ = amqp_set_rpc_timeout(state, &rpcTimeout)
        let arena = CArena()
        var clientProperties = arena.table([
            "connection_name": .string(configuration.connectionName), "product": "erp (Swift over librabbitmq)",
            // Without these the broker silently drops a consumer whose queue is deleted and
            // never says when it blocks publishers for lack of memory or disk.
            "capabilities": .table([
                "consumer_cancel_notify": true, "connection.blocked": true, "publisher_confirms": true, "basic.nack": true,
            ]),
        ])
        let reply = CRabbitMQ_login_plain(
            state, configuration.vhost, 0, Int32(configuration.frameMax), Int32(configuration.heartbeat),
            &clientProperties, configuration.user, configuration.password)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == CRabbitMQ_CONNECTION_CLOSE_METHOD:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let text = close.reply_text.string
            let code: AMQPError.Code
            switch Int(close.reply_code) {
            case 403 where text.contains("Login was refused") || text.contains("authentication"): code = .authenticationFailed
            case 530 where text.contains("not found"): code = .vhostNotFound
            default: code = AMQPError.code(forReply: Int(close.reply_code))
            }
            throw AMQPError(
                code: code, message: "\(text) (user '\(configuration.user)', vhost '\(configuration.vhost)' at \(address))",
                replyCode: Int(close.reply_code), operation: "login")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            // Under TLS 1.3 the broker checks a client certificate after the handshake, and
            // refusing it closes the connection at login.
            let certificate = configuration.tls?.certificateFile.map {
                " (over TLS with client certificate \($0): the broker closes the connection when its CA did not sign the client certificate)"
            }
            throw AMQPError(
                code: certificate == nil ? .connectionLost : .tlsFailed,
                message: "login to \(address) failed: \(Self.statusText(reply.library_error))" + (certificate ?? ""), operation: "login")
        default:
            throw AMQPError(code: .protocolViolation, message: "unexpected reply to login at \(address)", operation: "login")
        }
    }

    private func openChannel(_ state: amqp_connection_state_t) throws {
        _ = amqp_channel_open(state, channel)
        try check(amqp_get_rpc_reply(state), state, "channel.open", recoverChannel: false)
        try channelSetup?(self, state)
    }

    // MARK: - RPC replies

    /// Turns an RPC reply into nothing or an ``AMQPError``. A channel closed by the broker
    /// (404, 403, 406...) is acknowledged and reopened so the connection stays usable; a
    /// closed or broken connection is torn down (and reopened later if `reconnect`).
    func check(_ reply: amqp_rpc_reply_t, _ state: amqp_connection_state_t, _ operation: String, recoverChannel: Bool = true) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == CRabbitMQ_CHANNEL_CLOSE_METHOD:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let error = AMQPError(
                code: AMQPError.code(forReply: Int(close.reply_code)), message: close.reply_text.string,
                replyCode: Int(close.reply_code), operation: operation)
            channelClosedByBroker(state, error: error, reopen: recoverChannel)
            throw error
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == CRabbitMQ_CONNECTION_CLOSE_METHOD:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(state, 0, CRabbitMQ_CONNECTION_CLOSE_OK_METHOD, &ok)
            let error = AMQPError(
                code: .connectionLost, message: "broker closed the connection: \(close.reply_text.string)",
                replyCode: Int(close.reply_code), operation: operation)
            connectionLost(error)
            throw error
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let error = AMQPError(code: .connectionLost, message: Self.statusText(reply.library_error), operation: operation)
            connectionLost(error)
            throw error
        default:
            let error = AMQPError(code: .protocolViolation, message: "no reply", operation: operation)
            connectionLost(error)
            throw error
        }
    }

    /// Acknowledges a broker-side channel.close, tells the handlers, and reopens the channel.
    func channelClosedByBroker(_ state: amqp_connection_state_t, error: AMQPError, reopen: Bool) {
        var ok = amqp_channel_close_ok_t()
        _ = amqp_send_method(state, channel, CRabbitMQ_CHANNEL_CLOSE_OK_METHOD, &ok)
        handlers.channelLost?(error)
        guard reopen else { return }
        do {
            try openChannel(state)
        } catch let reopenError as AMQPError {
            if self.state != nil { connectionLost(reopenError) }
        } catch {
            connectionLost(AMQPError(code: .channelClosed, message: "\(error)", operation: "channel.open"))
        }
    }

    /// Tears the connection down; with `reconnect` the idle loop reopens it with backoff.
    func connectionLost(_ error: AMQPError) {
        guard state != nil else { return }
        destroyState()
        logger.warning("AMQP connection lost", metadata: ["connection": "\(configuration.connectionName)", "error": "\(error)"])
        handlers.channelLost?(error)
        eventSink.yield(.disconnected(error))
        if !reconnect {
            handlers.connectionEnded?(error)
            eventSink.finish()
        }
        failedAttempts = 0
        nextAttempt = Date().addingTimeInterval(backoff(attempt: 0))
    }

    private func backoff(attempt: Int) -> TimeInterval {
        Backoff.seconds(Backoff(initial: .milliseconds(100), maximum: .seconds(5), jitter: true).delay(attempt: attempt))
    }

    static func statusText(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    // MARK: - The idle loop

    /// Waits for socket data or a job, reads whatever frames arrived, and reconnects when due.
    private func idle(wakeFD: Int32) -> Bool {
        if closedByOwner { return false }
        guard let state else {
            guard reconnect else { return false }
            let wait = nextAttempt.timeIntervalSinceNow
            if wait > 0 {
                var pfd = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, Int32(min(wait, 1.0) * 1000) + 1)
                return true
            }
            do {
                try open()
                logger.info("AMQP connection re-established", metadata: ["connection": "\(configuration.connectionName)"])
                eventSink.yield(.reconnected)
            } catch {
                failedAttempts += 1
                nextAttempt = Date().addingTimeInterval(backoff(attempt: failedAttempts))
                logger.debug("AMQP reconnect failed", metadata: ["attempt": "\(failedAttempts)", "error": "\(error)"])
            }
            return true
        }
        if amqp_frames_enqueued(state) == 0 && amqp_data_in_buffer(state) == 0 {
            let interval = configuration.heartbeat > 0 ? min(1000, configuration.heartbeat * 250) : 1000
            var fds = [
                pollfd(fd: amqp_get_sockfd(state), events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, Int32(interval))
        }
        // Bounded, so that queued jobs (acks, publishes) are not starved by a flood of frames.
        for _ in 0..<256 {
            guard let current = self.state, readFrame(current) else { break }
        }
        return true
    }

    /// Reads one frame without waiting; returns false when none was ready.
    private func readFrame(_ state: amqp_connection_state_t) -> Bool {
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var zero = timeval(tv_sec: 0, tv_usec: 0)
        let reply = amqp_consume_message(state, &envelope, &zero, 0)
        if reply.reply_type == AMQP_RESPONSE_NORMAL {
            let delivery = AMQPDelivery(
                deliveryTag: envelope.delivery_tag, redelivered: envelope.redelivered != 0,
                exchange: envelope.exchange.string, routingKey: envelope.routing_key.string,
                consumerTag: envelope.consumer_tag.string, properties: AMQPProperties(envelope.message.properties),
                body: envelope.message.body.data, connectionGeneration: generation)
            amqp_destroy_envelope(&envelope)
            handlers.delivery?(delivery)
            return true
        }
        guard reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION else {
            connectionLost(AMQPError(code: .protocolViolation, message: "unexpected reply while consuming", operation: "basic.consume"))
            return false
        }
        if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return false }
        guard reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue else {
            connectionLost(AMQPError(code: .connectionLost, message: Self.statusText(reply.library_error), operation: "reading frames"))
            return false
        }
        var frame = amqp_frame_t()
        let status = amqp_simple_wait_frame_noblock(state, &frame, &zero)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return false }
        guard status == AMQP_STATUS_OK.rawValue else {
            connectionLost(AMQPError(code: .connectionLost, message: Self.statusText(status), operation: "reading frames"))
            return false
        }
        if frame.frame_type == AMQP_FRAME_METHOD { handleMethod(frame, state) }
        return true
    }

    private func handleMethod(_ frame: amqp_frame_t, _ state: amqp_connection_state_t) {
        let method = frame.payload.method
        switch method.id {
        case CRabbitMQ_BASIC_ACK_METHOD:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            handlers.confirm?(ack.delivery_tag, ack.multiple != 0, true)
        case CRabbitMQ_BASIC_NACK_METHOD:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            handlers.confirm?(nack.delivery_tag, nack.multiple != 0, false)
        case CRabbitMQ_BASIC_RETURN_METHOD:
            let info = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let returned = AMQPReturnedMessage(
                replyCode: Int(info.reply_code), replyText: info.reply_text.string,
                exchange: info.exchange.string, routingKey: info.routing_key.string)
            // The returned content (header and body frames) follows; read and drop it.
            var message = amqp_message_t()
            let reply = amqp_read_message(state, frame.channel, &message, 0)
            if reply.reply_type == AMQP_RESPONSE_NORMAL { amqp_destroy_message(&message) }
            handlers.returned?(returned)
        case CRabbitMQ_BASIC_CANCEL_METHOD:
            let cancel = method.decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            handlers.consumerCancelled?(cancel.consumer_tag.string)
        case CRabbitMQ_CHANNEL_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let error = AMQPError(
                code: AMQPError.code(forReply: Int(close.reply_code)), message: close.reply_text.string,
                replyCode: Int(close.reply_code), operation: "channel")
            logger.warning("AMQP channel closed by the broker", metadata: ["error": "\(error)"])
            channelClosedByBroker(state, error: error, reopen: true)
        case CRabbitMQ_CONNECTION_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(state, 0, CRabbitMQ_CONNECTION_CLOSE_OK_METHOD, &ok)
            connectionLost(
                AMQPError(
                    code: .connectionLost, message: "broker closed the connection: \(close.reply_text.string)",
                    replyCode: Int(close.reply_code), operation: "connection"))
        case CRabbitMQ_CONNECTION_BLOCKED_METHOD:
            let blocked = method.decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
            eventSink.yield(.blocked(reason: blocked.reason.string))
        case CRabbitMQ_CONNECTION_UNBLOCKED_METHOD:
            eventSink.yield(.unblocked)
        default:
            logger.debug("ignoring AMQP method", metadata: ["method": "\(method.id)"])
        }
    }
}
