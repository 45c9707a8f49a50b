/// Texts per locale (BCP 47 codes: `zh-Hans-CN`, `en`, `de-AT`...) with a fallback:
/// the exact locale, then ever shorter prefixes (`zh-Hans-CN` → `zh-Hans` → `zh`), then the
/// shop's fallback locale, then any text at all.
public struct Translations: Sendable, Equatable, Codable {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case invalidLocale(String)
        public var description: String {
            switch self {
            case .invalidLocale(let code): return "'\(code)' is not a locale code (expected e.g. en, zh-Hans, de-AT)"
            }
        }
    }

    public private(set) var texts: [String: String]
    public let fallbackLocale: String

    public init(fallbackLocale: String, texts: [String: String] = [:]) throws(Problem) {
        self.fallbackLocale = try Self.normalised(fallbackLocale)
        var normalisedTexts: [String: String] = [:]
        for (locale, text) in texts { normalisedTexts[try Self.normalised(locale)] = text }
        self.texts = normalisedTexts
    }

    public mutating func set(_ text: String, for locale: String) throws(Problem) {
        texts[try Self.normalised(locale)] = text
    }

    public func text(for locale: String) -> String? {
        if let code = try? Self.normalised(locale) {
            var parts = code.split(separator: "-").map(String.init)
            while !parts.isEmpty {
                if let text = texts[parts.joined(separator: "-")] { return text }
                parts.removeLast()
            }
        }
        return texts[fallbackLocale] ?? texts.keys.sorted().first.flatMap { texts[$0] }
    }

    /// Checks the shape of a BCP 47 code (language of 2–3 letters, then script, region or
    /// variant subtags) and normalises case: `ZH-hans-cn` → `zh-Hans-CN`; `_` is read as `-`.
    public static func normalised(_ code: String) throws(Problem) -> String {
        let parts = code.replacingOccurrences(of: "_", with: "-").split(separator: "-", omittingEmptySubsequences: false)
        guard let language = parts.first, (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw .invalidLocale(code)
        }
        var result = [language.lowercased()]
        for part in parts.dropFirst() {
            guard (2...8).contains(part.count), part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw .invalidLocale(code)
            }
            if part.count == 4, part.allSatisfy(\.isLetter) {
                result.append(part.prefix(1).uppercased() + part.dropFirst().lowercased())
            } else if part.count == 2, part.allSatisfy(\.isLetter) {
                result.append(part.uppercased())
            } else {
                result.append(part.lowercased())
            }
        }
        return result.joined(separator: "-")
    }
}

import Foundation
