import Contracts
import Foundation
import Testing

@Suite struct CanonicalOrderSchemaTests {
    static let good = #"""
        {"platform":"web","shop":"main","external_id":"SO-1","placed_at":"2026-11-28T10:15:00Z","currency":"CNY",
         "lines":[{"sku":"TEE","quantity":2,"unit_price":"99.00"}],"shipping_fee":"10.00",
         "shipping_address":{"country":"CN","line1":"1 Road"},"payment":{"status":"pending"}}
        """#

    static func violation(_ text: String) throws -> JSONSchema.Violation? {
        CanonicalOrderSchema.schema.violation(of: try StrictJSON.parse(Data(text.utf8)))
    }

    static func replacing(_ old: String, with new: String) -> String {
        precondition(good.contains(old))
        return good.replacingOccurrences(of: old, with: new)
    }

    @Test(arguments: [
        ("canonical-order.schema.json", CanonicalOrderSchema.text), ("carrier-tracking.schema.json", CarrierTrackingSchema.text),
        ("warehouse-shipment.schema.json", WarehouseShipmentSchema.text),
    ])
    func eachSchemaFileAndTheCopyIntakeChecksAreTheSame(file name: String, copy: String) throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Shared/Contracts/Orders/\(name)")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == copy.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aGoodOrderFollowsTheSchema() throws {
        #expect(try Self.violation(Self.good) == nil)
    }

    @Test(arguments: [
        (#""quantity":2"#, #""quantity":1.0"#, "lines[0].quantity is a number with a fraction or exponent (1.0), expected an integer", true),
        (#""quantity":2"#, #""quantity":2147483648"#, "lines[0].quantity 2147483648 is out of range: at most 1000000", false),
        (#""quantity":2"#, #""quantity":99999999999999999999"#, "lines[0].quantity 99999999999999999999 is out of range: at most 1000000", false),
        (#""quantity":2"#, #""quantity":0"#, "lines[0].quantity 0 is below the minimum 1", false),
        (#""unit_price":"99.00""#, #""unit_price":"+39.00""#, "lines[0].unit_price '+39.00' is not an amount in the major unit", false),
        (#""unit_price":"99.00""#, #""unit_price":"039.00""#, "lines[0].unit_price '039.00' is not an amount in the major unit", false),
        (#""external_id":"SO-1""#, #""externalId":"SO-1""#, "has an unknown field 'externalId'", true),
        (#""shipping_fee":"10.00""#, #""shiping_fee":"10.00""#, "has an unknown field 'shiping_fee'", true),
        (
            #""placed_at":"2026-11-28T10:15:00Z""#, #""placed_at":"2026-02-31T10:15:00Z""#,
            "placed_at '2026-02-31T10:15:00Z' is not an ISO 8601 date-time of a day that exists", false
        ),
        (
            #""placed_at":"2026-11-28T10:15:00Z""#, #""placed_at":"0000-01-01T00:00:00Z""#, "placed_at '0000-01-01T00:00:00Z' is not an ISO 8601",
            false
        ),
        (#""status":"pending""#, #""status":"maybe""#, "payment.status 'maybe' is not one of pending, paid, refunded", false),
        (#""shop":"main""#, #""shop":"""#, "shop is empty", false),
        (#""external_id":"SO-1","#, "", "external_id is missing (required)", true),
        (#""currency":"CNY""#, #""currency":7"#, "currency is a number, expected a string", true),
    ])
    func everyBreachSaysWhereAndWhy(old: String, new: String, expected: String, structural: Bool) throws {
        let violation = try Self.violation(Self.replacing(old, with: new))
        #expect(violation?.description.contains(expected) == true, "\(violation?.description ?? "followed the schema")")
        #expect(violation?.structural == structural)
    }

    @Test func aPatternsEndIsTheEndOfTheTextNotAFinalNewline() throws {
        let violation = try Self.violation(Self.replacing(#""unit_price":"99.00""#, with: #""unit_price":"99.00\n""#))
        #expect(violation?.path == "lines[0].unit_price", "\(String(describing: violation))")
    }

    @Test func aSchemaWithAKeywordTheCheckerDoesNotKnowIsRefused() {
        #expect(throws: JSONSchemaError.self) { try JSONSchema(##"{"$defs":{"a":{"type":"string"}},"$ref":"#/$defs/a","maxLength":3}"##) }
        #expect(throws: JSONSchemaError.self) {
            try JSONSchema(##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##)
        }
        #expect(throws: JSONSchemaError.self) { try JSONSchema(#"{"type":"integer","maximum":1.5}"#) }
        #expect(throws: JSONSchemaError.self) { try JSONSchema(#"{"type":"object","patternProperties":{}}"#) }
        #expect(throws: JSONSchemaError.self) { try JSONSchema(##"{"$ref":"#/$defs/missing"}"##) }
    }

    @Test func countriesAreTheAssignedISO3166Codes() {
        #expect(ISO3166.alpha2.count == 249)
        #expect(ISO3166.isAssigned("CN") && ISO3166.isAssigned("DE") && !ISO3166.isAssigned("ZZ") && !ISO3166.isAssigned("cn"))
    }

    @Test func onlyDaysThatExistAreDates() {
        #expect(ISODateTime.parse("2028-02-29T00:00:00Z") != nil)
        #expect(ISODateTime.parse("2026-02-29T00:00:00Z") == nil)
        #expect(ISODateTime.parse("2026-04-31T00:00:00Z") == nil)
        #expect(ISODateTime.parse("0000-01-01T00:00:00Z") == nil)
        #expect(ISODateTime.parse("2026-01-01T00:00:00+24:00") == nil)
        #expect(ISODateTime.parse("2026-01-01T00:00:00+18:30") == nil)
        #expect(ISODateTime.parse("2026-01-01T00:00:00-18:00") != nil)
    }
}
