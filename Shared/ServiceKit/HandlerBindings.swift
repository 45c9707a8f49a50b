import Contracts
import Messaging

/// Every handler a service registers must have a queue binding that brings its messages: a
/// handler without one would wait forever. ``ServiceHost`` refuses to start a definition
/// with an unbound handler (``ServiceDefinition/unboundHandlers``), and a test checks every
/// production service.
extension ServiceDefinition {
    /// The registered message types that no binding of the service's queues routes to it.
    /// A command outcome comes by its reply key, not its type, and is not counted.
    public var unboundHandlers: [MessageType] {
        let patterns = queues.flatMap(\.bindings).map(\.routingKey)
        return handlers.types.filter { type in
            guard type != CommandOutcome.type else { return false }
            // A type is published under its name, or (status changes) under its name and more
            // words, which a binding of the bare name would miss.
            let key = handlers.routingKeyGoesOn(type) ? "\(type.rawValue).*" : type.rawValue
            return !patterns.contains { TopicPattern.matches($0, prefix: key) }
        }.sorted { $0.rawValue < $1.rawValue }
    }
}

/// AMQP topic matching: words separated by dots, `*` one word, `#` zero or more words.
public enum TopicPattern {
    public static func matches(_ pattern: String, _ key: String) -> Bool {
        matches(
            pattern.split(separator: ".", omittingEmptySubsequences: false)[...], key.split(separator: ".", omittingEmptySubsequences: false)[...])
    }

    /// Whether some key that starts with the words of `prefix` (and may go on) matches.
    public static func matches(_ pattern: String, prefix: String) -> Bool {
        matches(
            pattern.split(separator: ".", omittingEmptySubsequences: false)[...], prefix.split(separator: ".", omittingEmptySubsequences: false)[...],
            open: true)
    }

    static func matches(_ pattern: ArraySlice<Substring>, _ key: ArraySlice<Substring>, open: Bool = false) -> Bool {
        guard let first = pattern.first else { return key.isEmpty }
        if first == "#" {
            let rest = pattern.dropFirst()
            return (0...key.count).contains { matches(rest, key.dropFirst($0), open: open) }
        }
        guard let word = key.first else { return open }  // the key may go on with whatever the pattern wants
        guard first == "*" || first == word else { return false }
        return matches(pattern.dropFirst(), key.dropFirst(), open: open)
    }
}

/// A handler registered without a binding to bring its messages.
public struct UnboundHandlersError: Error, CustomStringConvertible {
    public let service: String
    public let types: [MessageType]
    public var description: String {
        "service \(service) registers handlers that no queue binding brings messages to: \(types.map(\.rawValue).joined(separator: ", "))"
    }
}
