import Contracts
import Foundation

/// The checks every product, SKU and translation passes before it is stored; each
/// failure is a ``CommandRefused`` that names the field and the rule.
public enum ProductRules {
    public static let taxCategories: Set<String> = ["standard", "reduced", "zero", "exempt"]

    static func refuse(_ code: String, _ reason: String) -> CommandRefused { CommandRefused(code, reason) }

    /// Product and SKU codes: 1–64 of letters, digits, `.`, `_`, `-`.
    public static func code(_ text: String, _ field: String) throws(CommandRefused) {
        guard SKUCode.isValid(text) else { throw refuse("validation", "\(field) '\(text)' must be \(SKUCode.rule)") }
    }

    public static func product(_ draft: CatalogCommand.ProductDraft) throws(CommandRefused) -> CatalogCommand.ProductDraft {
        var draft = draft
        try code(draft.code, "product code")
        draft.title = draft.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !draft.title.isEmpty else { throw refuse("validation", "product \(draft.code) has no title") }
        guard draft.title.count <= 200 else { throw refuse("validation", "the title of \(draft.code) is longer than 200 characters") }
        guard taxCategories.contains(draft.taxCategory) else {
            throw refuse("validation", "tax category '\(draft.taxCategory)' is not one of \(taxCategories.sorted().joined(separator: ", "))")
        }
        draft.tags = Array(
            Set(
                try draft.tags.map { tag throws(CommandRefused) -> String in
                    let tag = tag.trimmingCharacters(in: .whitespaces).lowercased()
                    guard !tag.isEmpty, tag.count <= 50 else { throw refuse("validation", "tag '\(tag)' must be 1 to 50 characters") }
                    return tag
                })
        ).sorted()
        for image in draft.images {
            guard let url = URL(string: image), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw refuse("validation", "image '\(image)' is not an http(s) URL")
            }
        }
        if let price = draft.price { try self.price(price) }
        if let barcode = draft.barcode { draft.barcode = try self.barcode(barcode) }
        return draft
    }

    public static func price(_ price: Money) throws(CommandRefused) {
        guard !price.isNegative else { throw refuse("negative-price", "price \(price) is negative") }
    }

    public static func barcode(_ text: String) throws(CommandRefused) -> String {
        do { return try EAN13.validate(text) } catch { throw refuse("invalid-barcode", "barcode '\(text)': \(error.description)") }
    }

    /// A locale code of the right shape whose language is an ISO 639-1 language.
    public static func locale(_ text: String) throws(CommandRefused) -> String {
        let normalised: String
        do { normalised = try Translations.normalised(text) } catch { throw refuse("unknown-locale", error.description) }
        let language = String(normalised.prefix { $0 != "-" })
        guard isoLanguages.contains(language) else {
            throw refuse("unknown-locale", "'\(text)': '\(language)' is not an ISO 639-1 language code")
        }
        return normalised
    }

    static let isoLanguages: Set<String> = Set(
        """
        aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu
        fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km
        kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
        or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
        ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Descriptive attributes: at most 50, a name of 1 to 50 letters, digits, spaces, '-' or '_',
    /// a value of 1 to 200 characters, no control characters in either.
    public static func details(_ details: [String: String]) throws(CommandRefused) -> [String: String] {
        guard details.count <= 50 else { throw refuse("validation", "at most 50 attributes (got \(details.count))") }
        var clean: [String: String] = [:]
        for (name, value) in details {
            let name = name.trimmingCharacters(in: .whitespaces), value = value.trimmingCharacters(in: .whitespaces)
            guard (1...50).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" }) else {
                throw refuse("validation", "attribute name '\(name)' is not 1 to 50 letters, digits, spaces, '-' or '_'")
            }
            guard (1...200).contains(value.count), !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw refuse("validation", "attribute \(name): a value is 1 to 200 characters without control characters")
            }
            clean[name] = value
        }
        return clean
    }
}
