/// The JSON Schema of a platform's customer (`platform.<platform>.customer.<created|updated>`), as the CRM checks it. The same text is
/// `platform-customer.schema.json` beside this file (a test keeps the two equal).
public enum PlatformCustomerSchema {
    public static let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://erp.example.com/schemas/platform-customer.schema.json",
          "title": "Platform customer",
          "description": "What a platform (or its connector) publishes to exchange erp.ingest with routing key platform.<platform>.customer.<created|updated> when a customer account is opened or changed. The CRM links it to one person by the platform's customer id, the emails (trimmed, case-folded) and the phones (E.164). Lists are what the platform holds now; names and addresses are kept as seen, the latest as the primary one. The body may be at most 1 MiB, is strict JSON (no key twice in one object, nesting at most 32 deep) and has no fields but the ones below. No text may hold a NUL character.",
          "type": "object",
          "required": ["platform", "shop", "external_id", "created_at"],
          "additionalProperties": false,
          "$defs": {
            "text": {"type": "string", "maxLength": 500},
            "address": {
              "type": "object",
              "required": ["country", "line1"],
              "additionalProperties": false,
              "properties": {
                "name": {"$ref": "#/$defs/text"}, "phone": {"type": "string", "maxLength": 50},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "an ISO 3166-1 alpha-2 country code such as CN"},
                "province": {"$ref": "#/$defs/text"}, "city": {"$ref": "#/$defs/text"}, "district": {"$ref": "#/$defs/text"},
                "line1": {"type": "string", "minLength": 1, "maxLength": 500}, "line2": {"$ref": "#/$defs/text"},
                "postal_code": {"type": "string", "maxLength": 20}
              }
            }
          },
          "properties": {
            "platform": {"type": "string", "minLength": 1, "maxLength": 50, "description": "Must equal the <platform> of the routing key."},
            "shop": {"type": "string", "minLength": 1, "maxLength": 100},
            "external_id": {"type": "string", "minLength": 1, "maxLength": 100, "description": "The platform's customer id within the shop (what its orders give as customer.external_id)."},
            "names": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1, "maxLength": 300}},
            "emails": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 3, "maxLength": 320}},
            "phones": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1, "maxLength": 50}},
            "addresses": {"type": "array", "maxItems": 20, "items": {"$ref": "#/$defs/address"}},
            "language": {"type": "string", "maxLength": 35, "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "description": "a BCP 47 language tag such as zh-CN"},
            "marketing_consent": {
              "type": "object",
              "additionalProperties": false,
              "description": "Marketing opt-in (true) or opt-out (false) per channel as the platform holds it; a channel left out is not changed.",
              "properties": {
                "email": {"type": "boolean"}, "sms": {"type": "boolean"}, "phone": {"type": "boolean"}, "messaging_app": {"type": "boolean"}
              }
            },
            "tags": {"type": "array", "maxItems": 50, "items": {"type": "string", "minLength": 1, "maxLength": 100}},
            "created_at": {"type": "string", "maxLength": 40, "format": "date-time"},
            "updated_at": {"type": "string", "maxLength": 40, "format": "date-time", "description": "When the platform changed it (default created_at): consent statements and names are dated by it."}
          }
        }
        """#

    /// The schema, loaded once.
    public static let schema: JSONSchema = try! JSONSchema(text)
}

/// The JSON Schema of a buyer's message on a platform (`platform.<platform>.customer.message`), as the CRM checks it. The same text is
/// `customer-message.schema.json` beside this file (a test keeps the two equal).
public enum CustomerMessageSchema {
    public static let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://erp.example.com/schemas/customer-message.schema.json",
          "title": "Buyer's message on a platform",
          "description": "What a platform (or its connector) publishes to exchange erp.ingest with routing key platform.<platform>.customer.message when a buyer writes to the shop. It goes on the timeline of the customer whose platform id it names (a customer the CRM knows from an order or a customer message); (platform, shop, message_id) is one message forever. Strict JSON, no other fields, no NUL in any text, at most 1 MiB.",
          "type": "object",
          "required": ["platform", "shop", "message_id", "customer_external_id", "sent_at", "text"],
          "additionalProperties": false,
          "properties": {
            "platform": {"type": "string", "minLength": 1, "maxLength": 50, "description": "Must equal the <platform> of the routing key."},
            "shop": {"type": "string", "minLength": 1, "maxLength": 100},
            "message_id": {"type": "string", "minLength": 1, "maxLength": 200},
            "customer_external_id": {"type": "string", "minLength": 1, "maxLength": 100},
            "order_external_id": {"type": "string", "minLength": 1, "maxLength": 100, "description": "The order it is about, if any: one of this customer's orders in the same shop."},
            "sent_at": {"type": "string", "maxLength": 40, "format": "date-time"},
            "text": {"type": "string", "minLength": 1, "maxLength": 2000}
          }
        }
        """#

    /// The schema, loaded once.
    public static let schema: JSONSchema = try! JSONSchema(text)
}

/// The JSON Schema of a survey answer from a platform (`platform.<platform>.survey.response`), as the CRM checks it. The same text is
/// `survey-response.schema.json` beside this file (a test keeps the two equal).
public enum SurveyResponseSchema {
    public static let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://erp.example.com/schemas/survey-response.schema.json",
          "title": "Satisfaction survey answer",
          "description": "What a platform (or the survey form's connector) publishes to exchange erp.ingest with routing key platform.<platform>.survey.response when a customer answers a satisfaction survey. The token is the one on the invitation (32 hexadecimal digits); each survey is answered once. A CSAT of 1-2 or an NPS of 0-6 opens a complaint ticket. Strict JSON, no other fields, no NUL in any text, at most 1 MiB.",
          "type": "object",
          "required": ["platform", "token", "csat"],
          "additionalProperties": false,
          "properties": {
            "platform": {"type": "string", "minLength": 1, "maxLength": 50, "description": "Must equal the <platform> of the routing key."},
            "token": {"type": "string", "pattern": "^[0-9a-fA-F]{32}$"},
            "csat": {"type": "integer", "minimum": 1, "maximum": 5, "description": "Customer satisfaction, 1 (very unhappy) to 5 (very happy)."},
            "nps": {"type": "integer", "minimum": 0, "maximum": 10, "description": "How likely they would recommend the shop, 0 to 10."},
            "comment": {"type": "string", "maxLength": 2000},
            "answered_at": {"type": "string", "maxLength": 40, "format": "date-time"}
          }
        }
        """#

    /// The schema, loaded once.
    public static let schema: JSONSchema = try! JSONSchema(text)
}

/// The JSON Schema of a customer's product view (`platform.<platform>.customer.viewed`), as the CRM checks it. The same text is
/// `customer-viewed.schema.json` beside this file (a test keeps the two equal).
public enum CustomerViewedSchema {
    public static let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://erp.example.com/schemas/customer-viewed.schema.json",
          "title": "Customer viewed a product",
          "description": "What a platform (or its connector) publishes to exchange erp.ingest with routing key platform.<platform>.customer.viewed when a signed-in customer looks at a SKU's page. The CRM counts it for the customer whose platform id it names (a customer it knows from an order or a customer message) as a weak signal for recommendations. Strict JSON, no other fields, no NUL in any text, at most 1 MiB.",
          "type": "object",
          "required": ["platform", "shop", "customer_external_id", "sku", "viewed_at"],
          "additionalProperties": false,
          "properties": {
            "platform": {"type": "string", "minLength": 1, "maxLength": 50, "description": "Must equal the <platform> of the routing key."},
            "shop": {"type": "string", "minLength": 1, "maxLength": 100},
            "customer_external_id": {"type": "string", "minLength": 1, "maxLength": 100},
            "sku": {"type": "string", "minLength": 1, "maxLength": 64, "description": "The SKU code as the catalog has it (the one the platform's orders name): 1 to 64 letters, digits, '.', '_' or '-'."},
            "viewed_at": {"type": "string", "maxLength": 40, "format": "date-time"}
          }
        }
        """#
    public static let schema: JSONSchema = try! JSONSchema(text)
}
