import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where email goes: `ERP_SMTP_URL` (`smtp://user:pass@host:587?starttls=true`, or
/// `smtps://...` for TLS from the first byte; `tls_ca=FILE` trusts a private CA), from
/// `ERP_SMTP_FROM`, with replies to `ERP_SMTP_REPLY_TO`.
public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var startTLS: Bool
    public var implicitTLS: Bool
    public var trustedCA: String?
    public var from: String
    public var replyTo: String?
    public var timeout: Duration = .seconds(30)

    public init(url text: String, from: String, replyTo: String?) throws(ConfigurationProblem) {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["smtp", "smtps"].contains(scheme), let host = url.host, !host.isEmpty
        else { throw ConfigurationProblem("ERP_SMTP_URL is smtp://[user:pass@]host[:port][?starttls=true] or smtps://...") }
        (self.host, implicitTLS) = (host, scheme == "smtps")
        port = url.port ?? (implicitTLS ? 465 : 587)
        (username, password) = (url.user?.removingPercentEncoding, url.password?.removingPercentEncoding)
        startTLS = false
        for item in url.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("starttls", "true"): startTLS = true
            case ("starttls", "false"): startTLS = false
            case ("tls_ca", let path?) where !path.isEmpty: trustedCA = path
            default: throw ConfigurationProblem("ERP_SMTP_URL: unknown parameter \(item.name)=\(item.value ?? "") (starttls=true|false, tls_ca=FILE)")
            }
        }
        guard MIMEMessage.isAddress(from) else {
            throw ConfigurationProblem("ERP_SMTP_FROM is one address such as shop@example.com (got \"\(from)\")")
        }
        if let replyTo, !MIMEMessage.isAddress(replyTo) {
            throw ConfigurationProblem("ERP_SMTP_REPLY_TO is one address such as care@example.com (got \"\(replyTo)\")")
        }
        (self.from, self.replyTo) = (from, replyTo)
    }
}

public struct ConfigurationProblem: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Why a channel did not take a notification: `permanent` ones are not tried again.
public struct DeliveryFailure: Error, CustomStringConvertible {
    public let permanent: Bool
    public let description: String
    public init(permanent: Bool, _ description: String) { (self.permanent, self.description) = (permanent, description) }
}

/// A minimal SMTP client (RFC 5321) on SwiftNIO: EHLO, STARTTLS when asked, AUTH PLAIN, one
/// message to its recipients, QUIT. A 5xx reply is a permanent failure, anything else that
/// goes wrong (4xx, a refused connection, a timeout) is worth trying again.
struct SMTPClient: Sendable {
    let configuration: SMTPConfiguration

    func send(_ message: MIMEMessage) async throws {
        let configuration = configuration
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.session(configuration, message) }
            group.addTask {
                try await Task.sleep(for: configuration.timeout)
                throw DeliveryFailure(permanent: false, "the SMTP server did not finish within \(configuration.timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    static func tlsHandler(_ configuration: SMTPConfiguration) throws -> NIOSSLClientHandler {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = configuration.trustedCA { tls.trustRoots = .file(ca) }
        let isIP = isIPv4(configuration.host) || configuration.host.contains(":")
        if isIP { tls.certificateVerification = .noHostnameVerification }
        return try NIOSSLClientHandler(context: try NIOSSLContext(configuration: tls), serverHostname: isIP ? nil : configuration.host)
    }

    static func isIPv4(_ host: String) -> Bool { host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." } }

    private static func session(_ configuration: SMTPConfiguration, _ message: MIMEMessage) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if configuration.implicitTLS { try channel.pipeline.syncOperations.addHandler(try tlsHandler(configuration)) }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw DeliveryFailure(permanent: false, "cannot reach the SMTP server \(configuration.host):\(configuration.port): \(error)")
        }
        try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplies(inbound.makeAsyncIterator())
            func command(_ line: String, expect codes: Set<Int>, what: String) async throws -> SMTPReplies.Reply {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                return try await replies.expect(codes, what: what)
            }
            _ = try await replies.expect([220], what: "the greeting")
            var hello = try await command("EHLO erp-crm", expect: [250], what: "EHLO")
            if configuration.startTLS {
                guard hello.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                    throw DeliveryFailure(permanent: true, "the SMTP server does not offer STARTTLS, which ERP_SMTP_URL asks for")
                }
                _ = try await command("STARTTLS", expect: [220], what: "STARTTLS")
                try await channel.channel.pipeline.addHandler(try tlsHandler(configuration), position: .first).get()
                hello = try await command("EHLO erp-crm", expect: [250], what: "EHLO after STARTTLS")
            }
            if let username = configuration.username {
                let token = Data("\u{0}\(username)\u{0}\(configuration.password ?? "")".utf8).base64EncodedString()
                _ = try await command("AUTH PLAIN \(token)", expect: [235], what: "AUTH")
            }
            _ = try await command("MAIL FROM:<\(message.from)>", expect: [250], what: "MAIL FROM")
            for recipient in message.to { _ = try await command("RCPT TO:<\(recipient)>", expect: [250, 251], what: "RCPT TO <\(recipient)>") }
            _ = try await command("DATA", expect: [354], what: "DATA")
            // Dot-stuffing: a line that starts with "." gets another.
            let body = message.rendered().split(separator: "\r\n", omittingEmptySubsequences: false).map { $0.hasPrefix(".") ? "." + $0 : String($0) }
            try await outbound.write(ByteBuffer(string: body.joined(separator: "\r\n") + ".\r\n"))
            _ = try await replies.expect([250], what: "the message")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }
}

/// Reads SMTP replies (`250-...` lines continue, `250 ...` ends one) from a byte stream.
struct SMTPReplies {
    struct Reply {
        var code: Int
        var lines: [String]
    }

    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending = ""

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }

    mutating func line() async throws -> String {
        while true {
            if let end = pending.range(of: "\r\n") {
                let line = String(pending[..<end.lowerBound])
                pending.removeSubrange(..<end.upperBound)
                return line
            }
            guard var buffer = try await iterator.next() else {
                throw DeliveryFailure(permanent: false, "the SMTP server closed the connection")
            }
            pending += buffer.readString(length: buffer.readableBytes) ?? ""
            guard pending.utf8.count < 64 * 1_024 else { throw DeliveryFailure(permanent: false, "the SMTP server sent a reply line over 64 KiB") }
        }
    }

    mutating func expect(_ codes: Set<Int>, what: String) async throws -> Reply {
        var reply = Reply(code: 0, lines: [])
        while true {
            let text = try await line()
            guard text.count >= 3, let code = Int(text.prefix(3)) else {
                throw DeliveryFailure(permanent: false, "the SMTP server answered \(what) with \"\(text.prefix(200))\"")
            }
            reply.code = code
            reply.lines.append(String(text.dropFirst(4)))
            if text.count == 3 || text[text.index(text.startIndex, offsetBy: 3)] != "-" { break }
        }
        guard codes.contains(reply.code) else {
            throw DeliveryFailure(
                permanent: (500..<600).contains(reply.code), "the SMTP server refused \(what): \(reply.code) \(reply.lines.joined(separator: " "))")
        }
        return reply
    }
}
