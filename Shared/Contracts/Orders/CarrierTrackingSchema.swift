/// The JSON Schema of a carrier's tracking event, as intake checks it. The same text is
/// `carrier-tracking.schema.json` beside this file (a test keeps the two equal).
public enum CarrierTrackingSchema {
    public static let text = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://erp.example.com/schemas/carrier-tracking.schema.json",
          "title": "Carrier tracking event",
          "description": "What a carrier (or its connector) publishes to exchange erp.ingest with routing key carrier.<carrier>.tracking.<in_transit|out_for_delivery|delivered|exception|returned_to_sender>. Matched to a shipment by its tracking number. Strict JSON, no other fields, no NUL in any text.",
          "type": "object",
          "required": ["tracking_number", "occurred_at"],
          "additionalProperties": false,
          "properties": {
            "tracking_number": {"type": "string", "minLength": 1, "maxLength": 100},
            "occurred_at": {"type": "string", "maxLength": 40, "format": "date-time"},
            "location": {"type": "string", "maxLength": 500},
            "description": {"type": "string", "maxLength": 2000}
          }
        }
        """#

    /// The schema, loaded once.
    public static let schema: JSONSchema = try! JSONSchema(text)
}
