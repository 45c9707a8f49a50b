import Foundation
import ServiceKit

/// How notifications are sent, from the environment:
///
/// - `ERP_SMTP_URL`, `ERP_SMTP_FROM`, `ERP_SMTP_REPLY_TO`: the email relay (``SMTPConfiguration``);
/// - `ERP_WEBHOOK_URL`, `ERP_WEBHOOK_SECRET`: the webhook gateway (``WebhookConfiguration``);
/// - `ERP_CRM_TEAM_ADDRESS`: the team's addresses (comma-separated) for team rules without their own;
/// - `ERP_CRM_NOTIFY_DAILY_LIMIT`: notifications a customer is sent in 24 hours at most (default 10);
/// - `ERP_CRM_LOCALE`: the shop's locale, a template's fallback after the customer's language (default en);
/// - `ERP_CRM_TRACKING_URL`: a parcel's tracking page, with `{carrier}` and `{tracking}`;
/// - `ERP_CRM_NOTIFY_ATTEMPTS`: tries before a notification is failed (default 6).
///
/// A channel without its settings fails its notifications with that reason (they can be
/// sent again with `erpctl crm notifications retry --failed` once it is set).
public struct NotificationSettings: Sendable, Equatable {
    public var smtp: SMTPConfiguration?
    public var webhook: WebhookConfiguration?
    public var team: [String] = []
    public var dailyLimit = 10
    public var locale = "en"
    public var trackingURL = "https://t.17track.net/en#nums={tracking}"
    public var attempts = 6
    /// The first retry's wait; each next one doubles, up to an hour.
    public var retryAfter: Duration = .seconds(30)
    /// How long the dispatcher waits when nothing is due.
    public var idle: Duration = .seconds(1)

    public init() {}

    public init(environment: [String: String]) throws {
        func problem(_ variable: String, _ value: String, _ expected: String) -> ConfigurationError {
            ConfigurationError(variable: variable, value: value, expected: expected)
        }
        // The SMTP URL (it may hold a password) and the webhook's signing secret may come from
        // files named by ERP_SMTP_URL_FILE and ERP_WEBHOOK_SECRET_FILE.
        let reader = EnvironmentReader(environment)
        if let url = try reader.secret("ERP_SMTP_URL") {
            do {
                smtp = try SMTPConfiguration(url: url, from: environment["ERP_SMTP_FROM"] ?? "", replyTo: environment["ERP_SMTP_REPLY_TO"])
            } catch { throw problem("ERP_SMTP_URL", "(not shown: it may hold a password)", error.description) }
        }
        if let url = environment["ERP_WEBHOOK_URL"], !url.isEmpty {
            let secret = try reader.secret("ERP_WEBHOOK_SECRET") ?? ""
            do { webhook = try WebhookConfiguration(url: url, secret: secret) } catch {
                throw problem("ERP_WEBHOOK_URL", url, error.description)
            }
        }
        if let team = environment["ERP_CRM_TEAM_ADDRESS"], !team.isEmpty {
            self.team = team.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if let bad = self.team.first(where: { !MIMEMessage.isAddress($0) }) {
                throw problem("ERP_CRM_TEAM_ADDRESS", bad, "email addresses separated by commas")
            }
        }
        if let text = environment["ERP_CRM_NOTIFY_DAILY_LIMIT"] {
            guard let limit = Int(text), (1...10_000).contains(limit) else {
                throw problem("ERP_CRM_NOTIFY_DAILY_LIMIT", text, "a whole number from 1 to 10000")
            }
            dailyLimit = limit
        }
        if let text = environment["ERP_CRM_NOTIFY_ATTEMPTS"] {
            guard let count = Int(text), (1...50).contains(count) else {
                throw problem("ERP_CRM_NOTIFY_ATTEMPTS", text, "a whole number from 1 to 50")
            }
            attempts = count
        }
        if let text = environment["ERP_CRM_LOCALE"] {
            guard text.range(of: #"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"#, options: .regularExpression) != nil else {
                throw problem("ERP_CRM_LOCALE", text, "a language code, perhaps with a region: en, zh-CN")
            }
            locale = text
        }
        if let text = environment["ERP_CRM_TRACKING_URL"] {
            guard text.hasPrefix("https://") || text.hasPrefix("http://"), text.contains("{tracking}") else {
                throw problem("ERP_CRM_TRACKING_URL", text, "an http(s) address with {tracking} (and perhaps {carrier}) in it")
            }
            trackingURL = text
        }
    }

    /// The locales a customer's template is looked for in: their language (and its base
    /// language), the shop's, then English.
    public func locales(for language: String?) -> [String] {
        var list: [String] = []
        if let language = language?.replacingOccurrences(of: "_", with: "-"), !language.isEmpty {
            list.append(language)
            if let base = language.split(separator: "-").first { list.append(String(base).lowercased()) }
        }
        for fallback in [locale, locale.split(separator: "-").first.map(String.init) ?? locale, "en"] where !list.contains(fallback) {
            list.append(fallback)
        }
        return list
    }
}
