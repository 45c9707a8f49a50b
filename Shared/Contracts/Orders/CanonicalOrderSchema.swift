/// The JSON Schema of the canonical order format, as intake checks it. The same text is
/// `canonical-order.schema.json` beside this file, for platforms' developers (a test keeps
/// the two equal).
public enum CanonicalOrderSchema {
    public static let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://erp.example.com/schemas/canonical-order.schema.json",
          "title": "Canonical platform order",
          "description": "What a platform publishes to exchange erp.ingest with routing key platform.<platform>.order.<created|updated|paid|cancelled>. Amounts are decimal strings in the currency's major unit, with no more decimals than the currency has; any one amount (a unit price, a discount, the shipping fee, a line's total, the order's total) is at most 10^12 minor units (10,000,000,000.00 CNY). The body may be at most 1 MiB, is strict JSON (no key twice in one object, nesting at most 32 deep) and has no fields but the ones below. No text may hold a NUL character.",
          "type": "object",
          "required": ["platform", "shop", "external_id", "placed_at", "currency", "lines"],
          "additionalProperties": false,
          "$defs": {
            "amount": {
              "type": "string", "maxLength": 30,
              "pattern": "^(0|[1-9][0-9]*)(\\.[0-9]+)?$",
              "description": "an amount in the major unit: digits with an optional decimal point, no sign and no leading zeros, such as 39.00"
            },
            "text": {"type": "string", "maxLength": 500},
            "address": {
              "type": "object",
              "required": ["country", "line1"],
              "additionalProperties": false,
              "properties": {
                "name": {"$ref": "#/$defs/text"}, "phone": {"type": "string", "maxLength": 50},
                "country": {
                  "type": "string", "pattern": "^[A-Z]{2}$",
                  "description": "an ISO 3166-1 alpha-2 country code such as CN (an officially assigned one)"
                },
                "province": {"$ref": "#/$defs/text"}, "city": {"$ref": "#/$defs/text"}, "district": {"$ref": "#/$defs/text"},
                "line1": {"type": "string", "minLength": 1, "maxLength": 500}, "line2": {"$ref": "#/$defs/text"},
                "postal_code": {"type": "string", "maxLength": 20}
              }
            }
          },
          "properties": {
            "platform": {"type": "string", "minLength": 1, "maxLength": 50, "description": "Must equal the <platform> of the routing key."},
            "shop": {"type": "string", "minLength": 1, "maxLength": 100},
            "external_id": {"type": "string", "minLength": 1, "maxLength": 100, "description": "The platform's order id; (platform, shop, external_id) is one order forever."},
            "revision": {"type": "integer", "minimum": 1, "default": 1, "description": "Higher revisions replace lower ones; a repeat of the same or a lower revision is ignored."},
            "placed_at": {"type": "string", "maxLength": 40, "format": "date-time"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "an ISO 4217 currency code such as CNY"},
            "prices_include_tax": {"type": "boolean", "default": true},
            "customer": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "external_id": {"type": "string", "maxLength": 100}, "name": {"$ref": "#/$defs/text"},
                "email": {"type": "string", "maxLength": 320}, "phone": {"type": "string", "maxLength": 50}
              }
            },
            "shipping_address": {"$ref": "#/$defs/address"},
            "lines": {
              "type": "array",
              "minItems": 1,
              "maxItems": 500,
              "items": {
                "type": "object",
                "required": ["sku", "quantity", "unit_price"],
                "additionalProperties": false,
                "properties": {
                  "sku": {"type": "string", "minLength": 1, "maxLength": 100},
                  "quantity": {"type": "integer", "minimum": 1, "maximum": 1000000},
                  "unit_price": {"$ref": "#/$defs/amount"},
                  "discount": {"$ref": "#/$defs/amount", "description": "Discount on the whole line."},
                  "title": {"$ref": "#/$defs/text"}
                }
              }
            },
            "shipping_fee": {"$ref": "#/$defs/amount"},
            "shipping_method": {"type": "string", "maxLength": 100},
            "payment": {
              "type": "object",
              "required": ["status"],
              "additionalProperties": false,
              "properties": {
                "status": {"enum": ["pending", "paid", "refunded"]},
                "method": {"type": "string", "maxLength": 100},
                "amount": {"$ref": "#/$defs/amount", "description": "When paid: must equal the order total (lines − discounts + shipping fee)."},
                "paid_at": {"type": "string", "maxLength": 40, "format": "date-time"},
                "transaction_id": {"type": "string", "maxLength": 200}
              }
            },
            "note": {"type": "string", "maxLength": 4000}
          }
        }
        """#

    /// The schema, loaded once.
    public static let schema: JSONSchema = try! JSONSchema(text)
}
