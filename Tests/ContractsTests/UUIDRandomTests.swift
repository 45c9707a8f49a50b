import Contracts
import Foundation
import Testing

struct UUIDRandomTests {
    @Test func aRandomUUIDIsVersionFourWithTheRFCVariantAndDoesNotRepeat() {
        let ids = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let text = id.uuidString
            let version = text[text.index(text.startIndex, offsetBy: 14)]
            let variant = text[text.index(text.startIndex, offsetBy: 19)]
            #expect(version == "4", "\(text)")
            #expect("89AB".contains(variant), "\(text)")
        }
    }
}
