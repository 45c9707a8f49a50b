/// The JSON Schema of a warehouse's shipment confirmation, as intake checks it. The same
/// text is `warehouse-shipment.schema.json` beside this file (a test keeps the two equal).
public enum WarehouseShipmentSchema {
    public static let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://erp.example.com/schemas/warehouse-shipment.schema.json",
          "title": "Warehouse shipment confirmation",
          "description": "What a warehouse system or 3PL publishes to exchange erp.ingest with routing key warehouse.<warehouse>.shipment.confirmed when a parcel has left. Only lines allocated to that warehouse and not yet shipped may be in it. The same shipment_id again with the same content is ignored; with other content it is quarantined. Strict JSON, no other fields, no NUL in any text.",
          "type": "object",
          "required": ["order", "shipment_id", "lines", "carrier", "tracking_number", "shipped_at"],
          "additionalProperties": false,
          "properties": {
            "order": {
              "description": "The ERP's order id, or the platform's reference to the order.",
              "type": ["integer", "object"],
              "minimum": 1,
              "required": ["platform", "shop", "external_id"],
              "additionalProperties": false,
              "properties": {
                "platform": {"type": "string", "minLength": 1, "maxLength": 50},
                "shop": {"type": "string", "minLength": 1, "maxLength": 100},
                "external_id": {"type": "string", "minLength": 1, "maxLength": 100}
              }
            },
            "shipment_id": {"type": "string", "minLength": 1, "maxLength": 100},
            "lines": {
              "type": "array",
              "minItems": 1,
              "maxItems": 500,
              "items": {
                "type": "object",
                "required": ["line", "quantity"],
                "additionalProperties": false,
                "properties": {
                  "line": {"type": "integer", "minimum": 1, "maximum": 500},
                  "quantity": {"type": "integer", "minimum": 1, "maximum": 1000000}
                }
              }
            },
            "carrier": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[a-z0-9][a-z0-9-]*$", "description": "a carrier code in lower case, as in carrier.<carrier>.tracking.<event>"},
            "tracking_number": {"type": "string", "minLength": 1, "maxLength": 100},
            "shipped_at": {"type": "string", "maxLength": 40, "format": "date-time"},
            "weight_grams": {"type": "integer", "minimum": 1, "maximum": 1000000000}
          }
        }
        """#

    /// The schema, loaded once.
    public static let schema: JSONSchema = try! JSONSchema(text)
}
