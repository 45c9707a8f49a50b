/// One product attribute with the values its variants take, e.g. colour: red, blue.
public struct VariantAttribute: Sendable, Equatable {
    public let name: String
    public let values: [String]
    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }
}

/// A variant: one value per attribute, and its SKU code.
public struct Variant: Sendable, Equatable {
    public let code: String
    /// Attribute name → value, in the attributes' order.
    public let options: [(name: String, value: String)]

    public static func == (lhs: Variant, rhs: Variant) -> Bool {
        lhs.code == rhs.code && lhs.options.map(\.name) == rhs.options.map(\.name)
            && lhs.options.map(\.value) == rhs.options.map(\.value)
    }
}

/// Generates a product's variants from its attributes: every combination of values
/// (3 colours × 4 sizes = 12), in a stable order, each with a deterministic SKU code
/// `<BASE>-<VALUE>-<VALUE>` (upper case, runs of other characters become one `-`), unless
/// `overrides` names a code for that combination.
public enum VariantGenerator {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case noAttributes
        case attributeWithoutValues(String)
        case duplicateAttribute(String)
        case duplicateValue(attribute: String, value: String)
        case duplicateCode(String)
        case tooManyVariants(Int, limit: Int)

        public var description: String {
            switch self {
            case .noAttributes: return "a product needs at least one attribute to have variants"
            case .attributeWithoutValues(let name): return "attribute '\(name)' has no values"
            case .duplicateAttribute(let name): return "attribute '\(name)' is given twice"
            case .duplicateValue(let attribute, let value): return "attribute '\(attribute)' lists value '\(value)' twice"
            case .duplicateCode(let code): return "two variants would both have SKU code \(code)"
            case .tooManyVariants(let count, let limit): return "\(count) variants is more than the limit of \(limit)"
            }
        }
    }

    public static let variantLimit = 1_000

    /// `overrides` keys are the combination's values joined by `/` in attribute order (e.g. `Red/M`).
    public static func variants(
        base: String, attributes: [VariantAttribute], overrides: [String: String] = [:]
    ) throws(Problem) -> [Variant] {
        guard !attributes.isEmpty else { throw .noAttributes }
        var names = Set<String>()
        for attribute in attributes {
            guard names.insert(attribute.name.lowercased()).inserted else { throw .duplicateAttribute(attribute.name) }
            guard !attribute.values.isEmpty else { throw .attributeWithoutValues(attribute.name) }
            var seen = Set<String>()
            for value in attribute.values where !seen.insert(value.lowercased()).inserted {
                throw .duplicateValue(attribute: attribute.name, value: value)
            }
        }
        let count = attributes.reduce(1) { $0 * $1.values.count }
        guard count <= variantLimit else { throw .tooManyVariants(count, limit: variantLimit) }
        var combinations: [[String]] = [[]]
        for attribute in attributes {
            combinations = combinations.flatMap { prefix in attribute.values.map { prefix + [$0] } }
        }
        var codes = Set<String>()
        return try combinations.map { values throws(Problem) -> Variant in
            let code = overrides[values.joined(separator: "/")] ?? ([base] + values).map(codePart).joined(separator: "-")
            guard codes.insert(code).inserted else { throw .duplicateCode(code) }
            return Variant(code: code, options: zip(attributes, values).map { ($0.name, $1) })
        }
    }

    /// Upper case ASCII letters and digits; other letters (红, é) as their hexadecimal code
    /// point, so that codes stay ASCII and distinct; every other run of characters becomes one `-`.
    static func codePart(_ text: String) -> String {
        var part = ""
        var pendingDash = false
        for scalar in text.uppercased().unicodeScalars {
            let piece: String
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                piece = String(scalar)
            } else if !scalar.isASCII, scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                piece = String(scalar.value, radix: 16, uppercase: true)
            } else {
                pendingDash = true
                continue
            }
            if pendingDash && !part.isEmpty { part += "-" }
            pendingDash = false
            part += piece
        }
        return part.isEmpty ? "X" : part
    }
}
