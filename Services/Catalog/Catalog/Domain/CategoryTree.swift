/// The category tree: every category has at most one parent. Moving a category under one
/// of its own descendants (or itself) would make a cycle and is refused.
public struct CategoryTree: Sendable, Equatable {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unknownCategory(String)
        case duplicateCategory(String)
        case cycle(moving: String, under: String)

        public var description: String {
            switch self {
            case .unknownCategory(let code): return "unknown category '\(code)'"
            case .duplicateCategory(let code): return "category '\(code)' exists already"
            case .cycle(let moving, let under):
                return "cannot move '\(moving)' under '\(under)': '\(under)' is '\(moving)' itself or inside it"
            }
        }
    }

    /// Category code → parent code (nil for a root).
    public private(set) var parents: [String: String?]

    public init(parents: [String: String?] = [:]) { self.parents = parents }

    public mutating func add(_ code: String, under parent: String?) throws(Problem) {
        guard parents[code] == nil else { throw .duplicateCategory(code) }
        if let parent, parents[parent] == nil { throw .unknownCategory(parent) }
        parents[code] = .some(parent)
    }

    public mutating func move(_ code: String, under parent: String?) throws(Problem) {
        guard parents[code] != nil else { throw .unknownCategory(code) }
        if let parent {
            guard parents[parent] != nil else { throw .unknownCategory(parent) }
            guard !path(from: parent).contains(code) else { throw .cycle(moving: code, under: parent) }
        }
        parents[code] = .some(parent)
    }

    /// The category and its ancestors up to the root, nearest first.
    public func path(from code: String) -> [String] {
        var result: [String] = []
        var current: String? = code
        while let node = current, parents[node] != nil, !result.contains(node) {
            result.append(node)
            current = parents[node] ?? nil
        }
        return result
    }
}
