import Contracts
import Foundation
import Testing

@Suite struct StrictJSONTests {
    static func parse(_ text: String) throws(StrictJSONError) -> StrictJSON { try StrictJSON.parse(Data(text.utf8)) }

    static func reason(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func aKeyTwiceInOneObjectIsRefusedWithItsPath() {
        let reason = Self.reason(#"{"lines":[{"sku":"A","sku":"B"}]}"#)
        #expect(reason == "lines[0].sku: the key 'sku' appears twice in one object")
    }

    @Test func numbersKeepTheirTextSoAFractionIsNotAnInteger() throws {
        #expect(try Self.parse(#"{"q":1.0}"#)["q"] == .number("1.0"))
        #expect(try Self.parse(#"{"q":99999999999999999999999}"#)["q"] == .number("99999999999999999999999"))
    }

    @Test(arguments: [
        (#"{"a":01}"#, "leading zero"), (#"{"a":1,}"#, "key must be a string"), (#"[1,]"#, "not JSON"), (#"{"a":1} x"#, "goes on"),
        (#"{"a":"\ud800"}"#, "lone high surrogate"), (#"{"a":"\udc00"}"#, "lone low surrogate"), ("{\"a\":\"tab\there\"}", "raw control character"),
        (#"{"a":+1}"#, "unexpected '+'"), (#"{"a":.5}"#, "unexpected '.'"), (#"{"a":1.}"#, "decimal point"), (#"{"a":1e}"#, "exponent"),
        ("", "empty"), (#"{"a":tru}"#, "unexpected 't'"), (#"{"a" 1}"#, "':' expected"),
    ])
    func whatRFC8259RefusesIsRefusedWithTheReason(text: String, expected: String) {
        let reason = Self.reason(text)
        #expect(reason?.contains(expected) == true, "\(text): \(reason ?? "taken")")
    }

    @Test func bytesThatAreNotUTF8AreRefused() {
        var body = Data(#"{"a":""#.utf8)
        body.append(contentsOf: [0xC3, 0x28])
        body.append(contentsOf: Data(#""}"#.utf8))
        #expect(throws: StrictJSONError.self) { try StrictJSON.parse(body) }
    }

    @Test func nestingDeeperThanTheLimitIsRefused() {
        let deep = String(repeating: "[", count: StrictJSON.maximumDepth + 1) + String(repeating: "]", count: StrictJSON.maximumDepth + 1)
        #expect(Self.reason(deep)?.contains("nested deeper than") == true)
        let fine = String(repeating: "[", count: StrictJSON.maximumDepth) + String(repeating: "]", count: StrictJSON.maximumDepth)
        #expect(Self.reason(fine) == nil)
    }

    @Test func escapesAndSurrogatePairsDecode() throws {
        #expect(try Self.parse(#"{"a":"\u00e9\ud83d\ude00\n\u0000"}"#)["a"] == .string("é😀\n\u{0}"))
    }
}
