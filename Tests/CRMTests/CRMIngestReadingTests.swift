import Contracts
import Foundation
import Ingest
import Testing

@testable import CRM

/// What the CRM's intake refuses before the database, each with its code and reason.
@Suite struct CRMIngestReadingTests {
    static let configuration = IngestConfiguration(genericPlatforms: ["web", "mall", "signed"], secrets: ["signed": "s3cret"])

    static let customer = #"""
        {"platform":"web","shop":"main","external_id":"C-1","names":["Li Lei"," Li Lei ","李雷"],"emails":[" Li.Lei@Example.COM "],
         "phones":["138 0000 0000"],"addresses":[{"country":"CN","province":"上海市","line1":"南京路 1 号"}],"language":"zh-CN",
         "marketing_consent":{"email":true,"sms":false},"tags":["vip","vip","wholesale"],"created_at":"2026-11-01T08:00:00Z",
         "updated_at":"2026-11-20T08:00:00+08:00"}
        """#

    static func message(_ key: String, _ body: String, signature: String? = nil) -> IngestMessage {
        IngestMessage(exchange: "erp.ingest", routingKey: key, messageID: nil, signature: signature, shopHeader: nil, body: Data(body.utf8))
    }

    static func rejection(_ key: String, _ body: String, signature: String? = nil) -> IntakeRejection? {
        let message = message(key, body, signature: signature)
        do {
            switch try CRMIngest.kind(of: key).kind {
            case .customer: _ = try CRMIngest.customer(message, configuration: configuration, defaultRegion: "CN")
            case .buyerMessage: _ = try CRMIngest.buyerMessage(message, configuration: configuration)
            case .surveyResponse: _ = try CRMIngest.surveyAnswer(message, configuration: configuration)
            case .view: _ = try CRMIngest.view(message, configuration: configuration)
            }
            return nil
        } catch { return error }
    }

    static func replacing(_ old: String, with new: String) -> String {
        precondition(customer.contains(old))
        return customer.replacingOccurrences(of: old, with: new)
    }

    @Test func aPlatformCustomerBecomesItsKeysNamesAddressesConsentAndTags() throws {
        let read = try CRMIngest.customer(
            Self.message("platform.web.customer.updated", Self.customer), configuration: Self.configuration, defaultRegion: "CN")
        #expect(
            read.keys == [.platformCustomer(platform: "web", shop: "main", id: "C-1"), .email("li.lei@example.com"), .phone("+8613800000000")])
        #expect(read.names == ["Li Lei", "李雷"], "trimmed, each once, in the platform's order")
        #expect(read.tags == ["vip", "wholesale"])
        #expect(read.consent == [.email: true, .sms: false], "a channel left out is not stated")
        #expect(read.language == "zh-CN")
        #expect(read.at == ISODateTime.parse("2026-11-20T00:00:00Z"), "dated by updated_at")
    }

    @Test(arguments: [
        ("platform.web.customer.deleted", customer, "bad-routing-key"),
        ("platform.web.customer", customer, "bad-routing-key"),
        ("platform..customer.created", customer, "bad-routing-key"),
        ("platform.nowhere.customer.created", replacing(#""platform":"web""#, with: #""platform":"nowhere""#), "unknown-platform"),
        ("platform.mall.customer.created", customer, "invalid"),  // the body names another platform
        ("platform.web.customer.created", "{not json", "undecodable"),
        ("platform.web.customer.created", replacing(#""shop":"main","#, with: ""), "undecodable"),
        ("platform.web.customer.created", replacing(#""language":"zh-CN""#, with: #""language":"zh-CN","age":40"#), "undecodable"),
        ("platform.web.customer.created", replacing(#""tags":["vip","vip","wholesale"]"#, with: #""tags":"vip""#), "undecodable"),
        ("platform.web.customer.created", replacing("Li.Lei@Example.COM", with: "not-an-email"), "invalid"),
        ("platform.web.customer.created", replacing("138 0000 0000", with: "call me"), "invalid"),
        ("platform.web.customer.created", replacing(#""country":"CN""#, with: #""country":"XX""#), "invalid"),
        ("platform.web.customer.created", replacing("zh-CN", with: "Chinese"), "invalid"),
        ("platform.web.customer.created", replacing("李雷", with: "李\\u0000雷"), "invalid"),
        ("platform.web.customer.created", replacing("2026-11-01T08:00:00Z", with: "yesterday"), "invalid"),
        ("platform.web.customer.created", replacing("2026-11-20T08:00:00+08:00", with: "2026-10-01T00:00:00Z"), "invalid"),
        (
            "platform.web.customer.created",
            replacing(#""marketing_consent":{"email":true,"sms":false}"#, with: #""marketing_consent":{"fax":true}"#), "undecodable"
        ),
        (
            "platform.web.customer.message",
            #"{"platform":"web","shop":"main","message_id":"M1","customer_external_id":"C-1","sent_at":"2026-11-20T08:00:00Z"}"#, "undecodable"
        ),
        (
            "platform.web.customer.message",
            #"{"platform":"web","shop":"main","message_id":"M1","customer_external_id":"C-1","sent_at":"2026-11-20T08:00:00Z","text":"   "}"#,
            "invalid"
        ),
        ("platform.web.survey.response", #"{"platform":"web","token":"abc","csat":5}"#, "invalid"),
        ("platform.web.survey.response", #"{"platform":"web","token":"0123456789abcdef0123456789abcdef","csat":6}"#, "invalid"),
        ("platform.web.survey.response", #"{"platform":"web","token":"0123456789abcdef0123456789abcdef","csat":5,"nps":11}"#, "invalid"),
        ("platform.web.survey.response", #"{"platform":"web","token":"0123456789abcdef0123456789abcdef","csat":4.5}"#, "undecodable"),
        ("platform.web.survey.response", #"{"platform":"web","token":"0123456789abcdef0123456789abcdef","csat":5,"csat":1}"#, "undecodable"),
        ("platform.web.survey.answer", #"{"platform":"web","token":"0123456789abcdef0123456789abcdef","csat":5}"#, "bad-routing-key"),
    ])
    func aBadMessageIsRefusedWithItsCode(key: String, body: String, code: String) {
        let rejection = Self.rejection(key, body)
        #expect(rejection?.code == code, "\(String(describing: rejection))")
        #expect(rejection?.reason.isEmpty == false)
    }

    @Test func aSignedPlatformsMessageNeedsItsSignature() throws {
        let body = Self.replacing(#""platform":"web""#, with: #""platform":"signed""#)
        #expect(Self.rejection("platform.signed.customer.created", body)?.code == "unsigned")
        #expect(Self.rejection("platform.signed.customer.created", body, signature: "bm90IGl0")?.code == "bad-signature")
        let signature = IngestConfiguration.signature(of: Data(body.utf8), secret: "s3cret")
        #expect(Self.rejection("platform.signed.customer.created", body, signature: signature) == nil)
    }

    @Test func aBodyOverOneMebibyteIsRefusedUnread() {
        let body = String(repeating: " ", count: IngestMessage.maximumBodySize + 1)
        #expect(Self.rejection("platform.web.customer.created", body)?.code == "too-large")
    }

    @Test func aBuyersMessageIsOnePerPlatformShopAndMessageID() throws {
        func read(_ shop: String, _ id: String) throws -> CRMIngest.BuyerMessage {
            try CRMIngest.buyerMessage(
                Self.message(
                    "platform.web.customer.message",
                    #"{"platform":"web","shop":"\#(shop)","message_id":"\#(id)","customer_external_id":"C-1","sent_at":"2026-11-20T08:00:00Z","text":" where is it? "}"#
                ), configuration: Self.configuration)
        }
        let first = try read("main", "M1")
        #expect(first.text == "where is it?")
        #expect(first.customerKey == .platformCustomer(platform: "web", shop: "main", id: "C-1"))
        #expect(try read("main", "M1").timelineID == first.timelineID)
        #expect(try read("other", "M1").timelineID != first.timelineID)
        #expect(try read("main", "M2").timelineID != first.timelineID)
    }

    @Test func eachCRMSchemaFileAndTheCopyIntakeChecksAreTheSame() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Shared/Contracts/CRM")
        for (name, copy) in [
            ("platform-customer.schema.json", PlatformCustomerSchema.text), ("customer-message.schema.json", CustomerMessageSchema.text),
            ("survey-response.schema.json", SurveyResponseSchema.text), ("customer-viewed.schema.json", CustomerViewedSchema.text),
        ] {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == copy.trimmingCharacters(in: .whitespacesAndNewlines), "\(name)")
        }
    }
}
