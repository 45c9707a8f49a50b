import Foundation
import Testing

/// Rules for the test sources themselves. With Swift 6.3.1, a closure literal inside the
/// arguments of `#expect(...)` or `#require(...)` within another closure (a test body
/// passed to a harness) can be given the same symbol as a later closure of that test, so
/// the later closure silently runs the earlier one's code: a filter for refused outcomes
/// counted the done ones. Conditions with closures are computed into a local first,
/// named for what it states (`let allConfirmed = ...; #expect(allConfirmed)`).
@Suite struct TestSourceRulesTests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// The argument text of a macro call starting at `open` (the `(`), with string literals
    /// blanked except their interpolations; nil if the parentheses never close.
    static func arguments(_ text: [Character], from open: Int) -> String? {
        var depth = 0, index = open, result = ""
        var inString = false, interpolation = 0
        while index < text.count {
            let character = text[index]
            if inString && interpolation == 0 {
                if character == "\\" && index + 1 < text.count && text[index + 1] == "(" {
                    interpolation = 1
                    index += 2
                    continue
                }
                if character == "\\" { index += 2; continue }
                if character == "\"" { inString = false }
                index += 1
                continue
            }
            if interpolation > 0 {
                if character == "(" { interpolation += 1 }
                if character == ")" { interpolation -= 1 }
                if character == "{" || character == "}" { result.append(character) }
                index += 1
                continue
            }
            switch character {
            case "\"": inString = true
            case "(", "[": depth += 1
            case ")", "]":
                depth -= 1
                if depth == 0 { return result }
            default: break
            }
            if depth > 0 { result.append(character) }
            index += 1
        }
        return nil
    }

    @Test func noConditionOfExpectOrRequireContainsAClosure() throws {
        var offenders: [String] = []
        let files = FileManager.default.enumerator(at: Self.tests, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" && file.lastPathComponent != "TestSourceRulesTests.swift" {
            let source = try String(contentsOf: file, encoding: .utf8)
            // Raw strings (#"..."#) hold JSON braces; they are data, not closures.
            let text = Array(source.replacingOccurrences(of: ##"#"[^"]*"#"##, with: "\"\"", options: .regularExpression))
            for macro in ["#expect(", "#require("] {
                var search = text.startIndex
                let pattern = Array(macro)
                while let start = Self.find(pattern, in: text, from: search) {
                    search = start + pattern.count
                    let rest = String(text[search..<min(text.count, search + 7)])
                    if rest.hasPrefix("throws:") { continue }
                    if let arguments = Self.arguments(text, from: start + pattern.count - 1), arguments.contains("{") {
                        let line = text[..<start].filter { $0 == "\n" }.count + 1
                        offenders.append("\(file.lastPathComponent):\(line)")
                    }
                }
            }
        }
        #expect(offenders.isEmpty, "compute the condition into a local first: \(offenders.joined(separator: ", "))")
    }

    static func find(_ pattern: [Character], in text: [Character], from: Int) -> Int? {
        guard pattern.count <= text.count else { return nil }
        var index = from
        while index + pattern.count <= text.count {
            if text[index] == pattern[0] && Array(text[index..<(index + pattern.count)]) == pattern { return index }
            index += 1
        }
        return nil
    }
}
