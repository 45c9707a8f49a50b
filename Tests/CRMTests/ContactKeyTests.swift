import CRM
import Testing

/// The keys one person is recognised by: emails trimmed and case-folded, phones in E.164.
struct ContactKeyTests {
    @Test func anEmailIsTrimmedAndCaseFoldedAndANonAddressIsNoKey() {
        #expect(EmailAddress.normalised("  Ann.Lee@Example.COM ") == "ann.lee@example.com")
        #expect(EmailAddress.normalised("ann.lee@example.com") == EmailAddress.normalised("ANN.LEE@EXAMPLE.COM"))
        for bad in ["", "   ", "ann", "ann@", "@example.com", "ann@example", "a@b@c.com", "ann lee@example.com", "ann@.com", "ann@example.com."] {
            #expect(EmailAddress.normalised(bad) == nil, "'\(bad)' is not an address")
        }
        #expect(EmailAddress.normalised("ann\u{0}@example.com") == nil, "a control character is refused")
        #expect(EmailAddress.normalised(String(repeating: "a", count: 250) + "@x.com") == nil, "longer than 254")
    }

    @Test(arguments: ["138 0000 0000", "+86 138-0000-0000", "8613800000000", "0086 13800000000", "(+86) 138.0000.0000", "+86 13800000000"])
    func aChineseMobileWrittenAnyWayIsOneNumber(written: String) {
        #expect(PhoneNumber.e164(written, defaultRegion: "CN") == "+8613800000000")
    }

    @Test func aNumberWithoutCountryCodeIsReadInTheDefaultRegion() {
        #expect(PhoneNumber.e164("(415) 555-2671", defaultRegion: "US") == "+14155552671")
        #expect(PhoneNumber.e164("020 7946 0958", defaultRegion: "GB") == "+442079460958")
        #expect(PhoneNumber.e164("+44 (0)20 7946 0958", defaultRegion: "CN") == "+442079460958", "a trunk zero after the country code")
        #expect(PhoneNumber.e164("9123 4567", defaultRegion: "HK") == "+85291234567")
        #expect(PhoneNumber.e164("010 1234 5678", defaultRegion: "CN") == "+861012345678", "a Beijing landline")
    }

    @Test func whatCannotBeAPhoneNumberIsNoKey() {
        for bad in [
            "", "abc", "12345", "138 0000 000", "+86 138 0000 0000 1", "+0 1234 5678", "1380000000x", "138 0000 0000 ext 2", "+1234567890123456",
        ] {
            #expect(PhoneNumber.e164(bad, defaultRegion: "CN") == nil, "'\(bad)' is not a phone number")
        }
        #expect(PhoneNumber.e164("13800000000", defaultRegion: "XX") == nil, "no national numbers in an unknown region")
        #expect(PhoneNumber.isKnownRegion("CN"))
        #expect(!PhoneNumber.isKnownRegion("XX"))
    }

    @Test func keysKeepTheirKindAndValueForStorage() {
        let key = ContactKey.platformCustomer(platform: "shopify", shop: "main", id: "C-1")
        #expect(key.kind == "platform")
        #expect(key.value == "shopify/main/C-1")
        #expect(ContactKey(kind: key.kind, value: key.value) == key)
        #expect(ContactKey(kind: "fax", value: "1") == nil)
    }
}

/// Who a message is about, from the profiles its keys are linked to.
struct IdentityResolutionTests {
    let email = ContactKey.email("ann@example.com")
    let phone = ContactKey.phone("+8613800000000")
    let platform = ContactKey.platformCustomer(platform: "tmall", shop: "flagship", id: "T-9")

    @Test func noLinkedKeyMakesANewProfile() {
        #expect(IdentityResolution.decide(links: []) == .create)
        #expect(IdentityResolution.decide(links: [(email, nil), (phone, nil)]) == .create)
    }

    @Test func keysOfOneProfileFindItAndSayWhichKeyMatched() {
        #expect(IdentityResolution.decide(links: [(platform, nil), (email, 7), (phone, 7)]) == .existing(profile: 7, matchedBy: email))
    }

    @Test func keysOfSeveralProfilesMergeThemIntoTheOldestEachWithItsReason() {
        let decision = IdentityResolution.decide(links: [(platform, 12), (email, 7), (phone, 9), (ContactKey.email("a@b.cn"), 12)])
        #expect(
            decision
                == .merge(
                    survivor: 7,
                    absorbed: [
                        IdentityResolution.Absorbed(profile: 12, matchedBy: platform), IdentityResolution.Absorbed(profile: 9, matchedBy: phone),
                    ]))
        if case .merge(_, let absorbed) = decision {
            #expect(absorbed[1].reason == "the same phone +8613800000000 as the surviving profile")
        }
    }
}
