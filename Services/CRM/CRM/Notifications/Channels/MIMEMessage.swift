import Foundation

/// An email as MIME (RFC 5322, 2045-2047): a plain-text part and, when there is one, an
/// HTML alternative, then the attachments; bodies in base64, the subject as RFC 2047
/// encoded words when it is not plain ASCII.
struct MIMEMessage: Sendable, Equatable {
    struct Attachment: Sendable, Equatable {
        var filename: String
        var contentType: String
        var data: Data
    }

    var from: String
    var to: [String]
    var replyTo: String?
    var subject: String
    var text: String
    var html: String?
    var attachments: [Attachment] = []
    /// `Message-ID` (the notification's idempotency key: a resent notification keeps it).
    var messageID: String
    var date: Date

    /// The message's bytes, lines ending in CRLF.
    func rendered(boundary seed: String = UUID().uuidString.lowercased()) -> String {
        var lines = [
            "From: \(from)", "To: \(to.joined(separator: ", "))", "Subject: \(Self.encodedHeader(subject))", "Date: \(Self.date(date))",
            "Message-ID: <\(messageID)>", "MIME-Version: 1.0",
        ]
        if let replyTo { lines.insert("Reply-To: \(replyTo)", at: 2) }
        let mixed = "mixed-\(seed)"
        let alternative = "alternative-\(seed)"
        lines += ["Content-Type: multipart/mixed; boundary=\"\(mixed)\"", "", "--\(mixed)"]
        if let html {
            lines += ["Content-Type: multipart/alternative; boundary=\"\(alternative)\"", "", "--\(alternative)"]
            lines += Self.part("text/plain; charset=utf-8", Data(text.utf8))
            lines += ["--\(alternative)"] + Self.part("text/html; charset=utf-8", Data(html.utf8)) + ["--\(alternative)--"]
        } else {
            lines += Self.part("text/plain; charset=utf-8", Data(text.utf8))
        }
        for attachment in attachments {
            let name = Self.encodedHeader(attachment.filename).replacingOccurrences(of: "\"", with: "")
            lines += ["--\(mixed)"]
            lines += Self.part("\(attachment.contentType); name=\"\(name)\"", attachment.data, disposition: "attachment; filename=\"\(name)\"")
        }
        lines.append("--\(mixed)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func part(_ contentType: String, _ data: Data, disposition: String? = nil) -> [String] {
        var lines = ["Content-Type: \(contentType)", "Content-Transfer-Encoding: base64"]
        if let disposition { lines.append("Content-Disposition: \(disposition)") }
        lines.append("")
        let encoded = data.base64EncodedString()
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// Printable ASCII as it is; anything else as `=?UTF-8?B?...?=` words of at most 75
    /// characters (whole characters each), folded onto lines of their own.
    static func encodedHeader(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && clean.count <= 900 { return clean }
        var words: [String] = []
        var chunk = ""
        for character in clean {
            if chunk.utf8.count + String(character).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// An address fit for a header and an SMTP envelope: one `local@domain`, no spaces,
    /// angle brackets or control characters.
    static func isAddress(_ text: String) -> Bool {
        text.count <= 254 && text.range(of: #"^[^\s<>()\[\],;:"@]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"#, options: .regularExpression) != nil
    }
}
