import Contracts
import Foundation
import Mustache

/// A notification's template for one locale: a subject, a plain-text body and, optionally,
/// an HTML body, each in Mustache. As a file (`erpctl crm templates set --file F`):
///
///     Subject: Order {{order}} is on its way
///     Event: orders.order.shipment_recorded.v1      (only for a new template)
///
///     Hello {{customer.name}}, ...                   (the plain text)
///     --- html ---
///     <p>Hello {{customer.name}}, ...</p>            (optional)
///
/// A template is checked when it is set: it must parse, and every field it names must be one
/// its event has (``NotificationEvents``) or one every notification has (`customer.*`,
/// `event_type`, `occurred_at`, and `tracking_link` with a shipment). Partials and delimiter
/// changes are refused.
public struct NotificationTemplate: Sendable, Equatable {
    public var name: String
    public var locale: String
    public var event: String
    public var subject: String
    public var text: String
    public var html: String?

    public init(name: String, locale: String, event: String, subject: String, text: String, html: String?) {
        (self.name, self.locale, self.event, self.subject, self.text, self.html) = (name, locale, event, subject, text, html)
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    static let htmlSeparator = "--- html ---"

    /// Reads a template file's text; `event` is the event of the template it replaces, if any.
    public static func parse(name: String, locale: String, event known: String?, file: String) throws -> NotificationTemplate {
        guard name.range(of: #"^[a-z][a-z0-9_]{0,62}$"#, options: .regularExpression) != nil else {
            throw Invalid(description: "a template's name is lower-case letters, digits and _ (at most 63), such as order_shipped")
        }
        guard locale.range(of: #"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"#, options: .regularExpression) != nil else {
            throw Invalid(description: "a locale is a language code, perhaps with a region: en, zh, zh-CN, pt-BR")
        }
        guard file.utf8.count <= 256 * 1_024 else { throw Invalid(description: "a template file is at most 256 KiB") }
        guard !file.contains("\u{0}") else { throw Invalid(description: "a template file has no NUL character") }
        var lines = file.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        var headers: [String: String] = [:]
        while let first = lines.first, !first.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let colon = first.firstIndex(of: ":") else {
                throw Invalid(description: "the file starts with headers (Subject: ..., Event: ...), then a blank line, then the text")
            }
            let key = first[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            guard ["subject", "event"].contains(key) else { throw Invalid(description: "unknown header \"\(first[..<colon])\" (Subject, Event)") }
            headers[key] = first[first.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lines.removeFirst()
        }
        guard let subject = headers["subject"], !subject.isEmpty else { throw Invalid(description: "the file has no Subject: header") }
        guard let event = headers["event"] ?? known else {
            throw Invalid(
                description: "a new template names its event (Event: header or --event), one of: \(NotificationEvents.types.joined(separator: ", "))")
        }
        if let known, event != known {
            throw Invalid(description: "template \(name) is for \(known), not \(event): its rules read that event's fields")
        }
        let body = lines.dropFirst().joined(separator: "\n")
        let parts = body.components(separatedBy: "\n\(htmlSeparator)\n")
        guard parts.count <= 2 else { throw Invalid(description: "at most one \"\(htmlSeparator)\" line") }
        let text = parts[0].hasPrefix("\(htmlSeparator)\n") ? "" : parts[0]
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw Invalid(description: "the plain-text body is empty") }
        let html = parts.count == 2 ? parts[1] : nil
        let template = NotificationTemplate(name: name, locale: locale, event: event, subject: subject, text: text, html: html)
        try template.check()
        return template
    }

    /// Refuses a template that does not parse or names a field its event does not have.
    public func check() throws {
        guard let sample = NotificationEvents.sample(event) else {
            throw Invalid(description: "no notifications are made for \(event); one of: \(NotificationEvents.types.joined(separator: ", "))")
        }
        let context = NotificationContext.sample(event: event, payload: sample)
        for (part, source) in [("subject", subject), ("text", text), ("html", html)] {
            guard let source else { continue }
            do { _ = try MustacheTemplate(string: source) } catch {
                throw Invalid(description: "the \(part) does not parse as Mustache: \(error)")
            }
            try MustacheNames.check(source, against: context, part: part)
        }
    }

    /// The subject, text and HTML for a notification's context.
    public func render(_ context: NotificationContext) throws -> (subject: String, text: String, html: String?) {
        let values = context.mustacheValue
        func plain(_ source: String) throws -> String { try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source).render(values) }
        let subject = try plain(subject).replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        return (subject, try plain(text), try html.map { try MustacheTemplate(string: $0).render(values) })
    }
}

/// The names a Mustache text uses, checked against a sample context: a name inside a section
/// is looked up in the section's value first, then outwards, as Mustache does.
enum MustacheNames {
    static func check(_ source: String, against root: JSONValue, part: String) throws {
        var stack: [(name: String, scope: JSONValue?)] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            let triple = rest.hasPrefix("{")
            guard let close = rest.range(of: triple ? "}}}" : "}}") else {
                throw NotificationTemplate.Invalid(description: "the \(part) has a {{ without its }}")
            }
            var tag = rest[rest.index(rest.startIndex, offsetBy: triple ? 1 : 0)..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            rest = rest[close.upperBound...]
            guard let sigil = tag.first else { continue }
            switch sigil {
            case "!", "%": continue
            case ">", "<", "$":
                throw NotificationTemplate.Invalid(description: "the \(part) uses a partial or block ({{\(tag)}}); a template stands alone")
            case "=": throw NotificationTemplate.Invalid(description: "the \(part) changes the delimiters ({{\(tag)}}); keep {{ }}")
            case "/":
                let name = tag.dropFirst().trimmingCharacters(in: .whitespaces)
                guard let last = stack.popLast(), last.name == name else {
                    throw NotificationTemplate.Invalid(description: "the \(part) closes {{/\(name)}} without opening it")
                }
                continue
            case "#", "^", "&": tag = tag.dropFirst().trimmingCharacters(in: .whitespaces)
            default: break
            }
            if tag == "." { continue }
            let name = tag.split(separator: "|").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? tag
            guard let value = lookup(name, scopes: [root] + stack.compactMap(\.scope)) else {
                let known = fieldNames(stack.compactMap(\.scope).last ?? root)
                throw NotificationTemplate.Invalid(
                    description: "the \(part) names {{\(name)}}, a field this event does not have (here: \(known.joined(separator: ", ")))")
            }
            if sigil == "#" || sigil == "^" {
                let scope: JSONValue? =
                    switch value {
                    case .array(let elements): elements.first
                    case .object: value
                    default: nil
                    }
                stack.append((tag, sigil == "#" ? scope : nil))
            }
        }
        if let open = stack.last { throw NotificationTemplate.Invalid(description: "the \(part) opens {{#\(open.name)}} and never closes it") }
    }

    /// A dotted name's value: its first part from the innermost scope that has it.
    static func lookup(_ name: String, scopes: [JSONValue]) -> JSONValue? {
        let parts = name.split(separator: ".").map(String.init)
        guard let first = parts.first else { return nil }
        guard var value = scopes.reversed().lazy.compactMap({ $0[first] }).first else { return nil }
        for part in parts.dropFirst() {
            guard let next = value[part] else { return nil }
            value = next
        }
        return value
    }

    static func fieldNames(_ scope: JSONValue) -> [String] {
        guard case .object(let fields) = scope else { return [] }
        return fields.keys.sorted()
    }
}
