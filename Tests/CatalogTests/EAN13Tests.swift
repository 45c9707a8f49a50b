import Catalog
import Testing

@Suite struct EAN13Tests {
    @Test(arguments: ["4006381333931", "9780201379624", "5901234123457", " 4006381333931 "])
    func validBarcodesAreAccepted(code: String) throws {
        #expect(try EAN13.validate(code) == code.trimmingCharacters(in: .whitespaces))
    }

    @Test func aWrongCheckDigitIsRefusedWithTheExpectedOne() {
        #expect(throws: EAN13.Problem.wrongCheckDigit(expected: 1, found: 2)) { try EAN13.validate("4006381333932") }
    }

    @Test(arguments: [
        ("400638133393", EAN13.Problem.wrongLength(12)), ("40063813339310", .wrongLength(14)),
        ("40063813339a1", .notDigits), ("4006381-33931", .notDigits), ("", .wrongLength(0)),
    ])
    func malformedBarcodesSayWhatIsWrong(code: String, problem: EAN13.Problem) {
        #expect(throws: problem) { try EAN13.validate(code) }
    }

    @Test func theCheckDigitIsComputedOverTwelveDigits() {
        #expect(EAN13.checkDigit(of: [4, 0, 0, 6, 3, 8, 1, 3, 3, 3, 9, 3]) == 1)
        #expect(EAN13.checkDigit(of: [9, 7, 8, 0, 2, 0, 1, 3, 7, 9, 6, 2]) == 4)
    }
}

import Foundation
