import Foundation

/// A value in an AMQP field table (message headers, queue and exchange arguments).
public enum AMQPFieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case bytes(Data)
    case timestamp(Date)
    case table([String: AMQPFieldValue])
    case array([AMQPFieldValue])
    case void

    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var intValue: Int64? { if case .int(let value) = self { value } else { nil } }
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }

    public var description: String {
        switch self {
        case .string(let value): return "\"\(value)\""
        case .int(let value): return String(value)
        case .bool(let value): return String(value)
        case .double(let value): return String(value)
        case .bytes(let value): return "<\(value.count) bytes>"
        case .timestamp(let value): return value.description
        case .table(let value): return value.description
        case .array(let value): return value.description
        case .void: return "void"
        }
    }
}

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A field table: header names or argument names to values.
public typealias AMQPTable = [String: AMQPFieldValue]
