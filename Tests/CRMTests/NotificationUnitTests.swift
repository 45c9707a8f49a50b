import CRM
import Contracts
import Foundation
import ServiceKit
import Testing

/// The pure parts of notifications: event samples, conditions, templates, locales.
struct NotificationUnitTests {
    @Test(arguments: NotificationEvents.types)
    func eachEventSampleIsAValidMessageOfItsType(_ type: String) throws {
        let (messageType, json) = try #require(NotificationEvents.samples[type])
        #expect(messageType.type.rawValue == type)
        let decoded = try MessageCoding.decoder().decode(messageType, from: Data(json.utf8))
        let again = try JSONValue(encoding: decoded)
        #expect(again == NotificationEvents.sample(type), "every field of the sample survives its type (none unknown, none missing)")
    }

    @Test func aConditionHoldsOnlyWhenEveryFieldMatches() throws {
        let payload = try #require(NotificationEvents.sample("orders.order.placed.v1"))
        #expect(try NotificationCondition.parse("{}").holds(for: payload))
        #expect(try NotificationCondition.parse(#"{"platform": "shopify", "sku": "TEA-OOLONG", "amount_at_least": 12900}"#).holds(for: payload))
        #expect(try !NotificationCondition.parse(#"{"amount_at_least": 12901}"#).holds(for: payload))
        #expect(try !NotificationCondition.parse(#"{"platform": "jd"}"#).holds(for: payload))
        #expect(throws: NotificationCondition.Invalid.self) { try NotificationCondition.parse("[1]") }
        #expect(throws: NotificationCondition.Invalid.self) { try NotificationCondition.parse(#"{"to": ""}"#) }
    }

    @Test func aTemplateRendersPlainTextUnescapedAndHTMLEscaped() throws {
        let template = try NotificationTemplate.parse(
            name: "t", locale: "en", event: "orders.order.status_changed.v1",
            file: "Subject: Order {{order}}: {{reason}}\n\nWhy: {{reason}}\n--- html ---\n<p>{{reason}}</p>\n")
        let payload = try #require(NotificationEvents.sample("orders.order.status_changed.v1"))
        guard case .object(var fields) = payload else { return }
        fields["reason"] = .string("<late> & sorry")
        let context = NotificationContext(
            event: "orders.order.status_changed.v1", occurredAt: Date(), payload: .object(fields), customer: nil, trackingURL: "https://t/{tracking}")
        let rendered = try template.render(context)
        #expect(rendered.subject == "Order 1001: <late> & sorry")
        #expect(rendered.text.contains("Why: <late> & sorry"))
        #expect(rendered.html?.contains("&lt;late&gt; &amp; sorry") == true)
    }

    @Test func aCustomersTemplateIsLookedForInTheirLanguageThenTheShopsThenEnglish() {
        var settings = NotificationSettings()
        settings.locale = "de-AT"
        #expect(settings.locales(for: "zh-CN") == ["zh-CN", "zh", "de-AT", "de", "en"])
        #expect(settings.locales(for: nil) == ["de-AT", "de", "en"])
    }

    @Test func badSettingsNameTheirVariable() {
        #expect(throws: ConfigurationError.self) { try NotificationSettings(environment: ["ERP_SMTP_URL": "http://x", "ERP_SMTP_FROM": "a@b.cn"]) }
        #expect(throws: ConfigurationError.self) {
            try NotificationSettings(environment: ["ERP_SMTP_URL": "smtp://h:25", "ERP_SMTP_FROM": "nobody"])
        }
        #expect(throws: ConfigurationError.self) {
            try NotificationSettings(environment: ["ERP_WEBHOOK_URL": "http://h/x", "ERP_WEBHOOK_SECRET": "short"])
        }
        #expect(throws: ConfigurationError.self) { try NotificationSettings(environment: ["ERP_CRM_NOTIFY_DAILY_LIMIT": "0"]) }
        #expect(throws: ConfigurationError.self) { try NotificationSettings(environment: ["ERP_CRM_TEAM_ADDRESS": "ops@example.com, bad"]) }
    }
}
