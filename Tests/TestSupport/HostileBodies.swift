import Foundation

/// Platform order bodies made hostile on purpose, for the fuzz test and `erp-bench fuzz`:
/// a valid canonical order (the README's example) with some fields given odd values (huge
/// and odd numbers, NUL and invalid Unicode, wrong types, impossible dates, deep nesting)
/// and perhaps one change to its structure (a key twice, an unknown field, bytes that are
/// not UTF-8, a cut-off body). Deterministic: the same choices give the same bytes.
public enum HostileBodies {
    /// The valid order every body starts from; `{ID}` is replaced by the body's own id.
    public static let base = #"""
        {"platform": "web", "shop": "main", "external_id": "{ID}", "revision": 1,
         "placed_at": "2026-11-28T10:15:00Z", "currency": "CNY", "prices_include_tax": true,
         "customer": {"external_id": "c-1", "name": "张三", "email": "z@example.com", "phone": "+8613800000000"},
         "shipping_address": {"name": "张三", "phone": "+8613800000000", "country": "CN", "province": "浙江省",
                              "city": "杭州市", "district": "西湖区", "line1": "文三路 1 号", "postal_code": "310000"},
         "lines": [{"sku": "TEE-RED-M", "quantity": 2, "unit_price": "99.00", "discount": "10.00"}],
         "shipping_fee": "10.00", "shipping_method": "standard",
         "payment": {"status": "paid", "method": "alipay", "amount": "198.00",
                     "paid_at": "2026-11-28T10:16:00Z", "transaction_id": "T1"},
         "note": ""}
        """#

    /// Each field that can be changed, as it stands in ``base``: its text up to the value, and the value.
    public static let fields: [(prefix: String, value: String)] = [
        (#""platform": "#, #""web""#), (#""shop": "#, #""main""#), (#""external_id": "#, #""{ID}""#), (#""revision": "#, "1"),
        (#""placed_at": "#, #""2026-11-28T10:15:00Z""#), (#""currency": "#, #""CNY""#), (#""prices_include_tax": "#, "true"),
        (#""email": "#, #""z@example.com""#), (#""country": "#, #""CN""#), (#""line1": "#, #""文三路 1 号""#),
        (#""sku": "#, #""TEE-RED-M""#), (#""quantity": "#, "2"), (#""unit_price": "#, #""99.00""#), (#""discount": "#, #""10.00""#),
        (#""shipping_fee": "#, #""10.00""#), (#""shipping_method": "#, #""standard""#), (#""status": "#, #""paid""#),
        (#""amount": "#, #""198.00""#), (#""paid_at": "#, #""2026-11-28T10:16:00Z""#), (#""note": "#, #""""#),
    ]

    /// Values a hostile platform might send, as JSON text.
    public static let values: [String] = [
        #""92233720368547758.07""#, #""46116860184273879.04""#, #""10000000000000.00""#, #""9999999999.99""#, #""0.00""#, #""-1.00""#,
        #""+1.00""#, #""01.00""#, #""1.005""#, #""1e3""#, #""""#, #""X\u0000Y""#, #""\ud800""#, #""\udc00\ud800""#, #""é😀""#,
        "9223372036854775807", "9223372036854775808", "2147483648", "1000001", "-1", "0", "1.0", "1e400", "-0", "null", "true", "[]", "{}",
        #""ZZ""#, #""0000-01-01T00:00:00Z""#, #""2026-02-31T10:15:00Z""#, #""2026-11-28T10:15:00+25:00""#,
        "\"" + String(repeating: "长", count: 5_000) + "\"",
        String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
        #"{"a": {"b": {"c": [1, 2, {"d": null}]}}}"#,
    ]

    /// Changes to the body's structure (0: none).
    public static let structuralChanges = 9

    /// The body for `id` with `changes` (each a field index × values.count + value index)
    /// applied, and structural change `structural`.
    public static func body(id: String, changes: [Int], structural: Int) -> Data {
        var text = base.replacingOccurrences(of: "{ID}", with: id)
        for change in changes {
            let field = fields[(change / values.count) % fields.count]
            let value = values[change % values.count]
            let current = field.value.replacingOccurrences(of: "{ID}", with: id)
            text = text.replacingOccurrences(of: field.prefix + current, with: field.prefix + value)
        }
        var bytes = Array(text.utf8)
        switch structural % (structuralChanges + 1) {
        case 1: bytes = Array(text.replacingOccurrences(of: #""shop": "main""#, with: #""shop": "main", "shop": "other""#).utf8)
        case 2: bytes = Array(text.replacingOccurrences(of: #""note": "#, with: #""externalId": "X", "note": "#).utf8)
        case 3:
            if let at = bytes.firstIndex(of: "张".utf8.first!) { bytes.insert(contentsOf: [0xC3, 0x28], at: at) }  // not UTF-8
        case 4: bytes = Array(bytes.prefix(bytes.count / 2))
        case 5: bytes += Array(" trailing".utf8)
        case 6: bytes = Array(("[" + text + "]").utf8)
        case 7: bytes = []
        case 8:
            if let at = bytes.firstIndex(of: UInt8(ascii: "m")) { bytes.insert(0, at: at) }  // a raw NUL byte inside "main"
        case 9: bytes = Array(text.replacingOccurrences(of: ", \"note\": \"\"}", with: ", \"note\": \"\",}").utf8)
        default: break
        }
        return Data(bytes)
    }

    /// How many different single changes there are.
    public static var changeCount: Int { fields.count * values.count }

    /// `count` cases drawn from `seed` (SplitMix64): up to three field changes each, and a
    /// structural change in about half of them.
    public static func cases(seed: UInt64, count: Int) -> [(changes: [Int], structural: Int)] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<count).map { _ in
            let changes = (0..<Int(next() % 4)).map { _ in Int(next() % UInt64(changeCount)) }
            let structural = next() % 2 == 0 ? 0 : 1 + Int(next() % UInt64(structuralChanges))
            return (changes, structural)
        }
    }
}
