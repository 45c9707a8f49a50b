/// EAN-13 barcodes: 13 digits, the last a check digit over the first 12 (weights 1 and 3
/// alternating from the left; the check digit brings the weighted sum to a multiple of 10).
public enum EAN13 {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case wrongLength(Int)
        case notDigits
        case wrongCheckDigit(expected: Int, found: Int)

        public var description: String {
            switch self {
            case .wrongLength(let length): return "an EAN-13 barcode has 13 digits, this one \(length)"
            case .notDigits: return "an EAN-13 barcode has digits only"
            case .wrongCheckDigit(let expected, let found): return "check digit is \(found), should be \(expected)"
            }
        }
    }

    /// Accepts a valid barcode (surrounding spaces ignored) and returns it; otherwise says what is wrong.
    public static func validate(_ text: String) throws(Problem) -> String {
        let code = text.trimmingCharacters(in: .whitespaces)
        let digits = code.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard code.count == 13 else { throw .wrongLength(code.count) }
        guard digits.count == 13 else { throw .notDigits }
        let expected = checkDigit(of: Array(digits.prefix(12)))
        guard expected == digits[12] else { throw .wrongCheckDigit(expected: expected, found: digits[12]) }
        return code
    }

    /// The check digit for 12 leading digits.
    public static func checkDigit(of twelve: [Int]) -> Int {
        precondition(twelve.count == 12, "an EAN-13 check digit covers 12 digits")
        let sum = twelve.enumerated().reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 1 : 3) }
        return (10 - sum % 10) % 10
    }
}

import Foundation
