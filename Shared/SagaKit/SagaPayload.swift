import Contracts
import Foundation

/// JSON a saga step is given (an event's body, a command's result), kept as it arrived and
/// decoded only into the type the step asks for: one pass, without a ``JSONValue`` tree
/// built, encoded and parsed again on the way.
public struct SagaPayload: Sendable, Equatable, Codable {
    enum Source: Sendable, Equatable {
        /// A JSON document, or one member of it (`key`: a reply's `result` inside its outcome).
        case json(Data, key: String?)
        case value(JSONValue)
    }

    let source: Source

    public init(json: Data, key: String? = nil) { source = .json(json, key: key) }
    public init(_ value: JSONValue) { source = .value(value) }
    public init<T: Encodable>(encoding value: T) throws { source = .json(try MessageCoding.encoder().encode(value), key: nil) }

    public func decode<T: Decodable>(_: T.Type) throws -> T {
        switch source {
        case .value(let value): return try value.decode(T.self)
        case .json(let data, nil): return try MessageCoding.decoder().decode(T.self, from: data)
        case .json(let data, let key?):
            let decoder = MessageCoding.decoder()
            decoder.userInfo[Member<T>.name] = key
            return try decoder.decode(Member<T>.self, from: data).value
        }
    }

    /// Stored (an event that came early, in the saga's state) as its JSON text: read back
    /// as a string, it is not taken apart into a ``JSONValue`` tree at every step.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch source {
        case .json(let data, nil): try container.encode(String(decoding: data, as: UTF8.self))
        case .json, .value: try container.encode(String(decoding: try MessageCoding.encoder().encode(decode(JSONValue.self)), as: UTF8.self))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            source = .json(Data(text.utf8), key: nil)
        } else {
            source = .value(try JSONValue(from: decoder))  // stored as an object by earlier versions
        }
    }

    /// One member of a JSON object, named in the decoder's `userInfo`.
    struct Member<T: Decodable>: Decodable {
        static var name: CodingUserInfoKey { CodingUserInfoKey(rawValue: "erp.saga.member")! }
        let value: T
        init(from decoder: any Decoder) throws {
            let key = AnyKey(decoder.userInfo[Self.name] as? String ?? "result")
            value = try decoder.container(keyedBy: AnyKey.self).decode(T.self, forKey: key)
        }
    }

    struct AnyKey: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
