/// What a product or SKU code may be, as the catalog takes it: 1 to 64 ASCII letters, digits,
/// `.`, `_` or `-`. Other services check codes that come from outside (a platform's view, an
/// operator's argument) by the same rule.
public enum SKUCode {
    public static let rule = "1 to 64 letters, digits, '.', '_' or '-'"

    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64
            && text.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0))
            }
    }
}
