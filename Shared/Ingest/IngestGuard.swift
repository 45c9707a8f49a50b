import Contracts
import Foundation
import Messaging
import Postgres

extension HandlerContext {
    /// Runs `body` for a message from outside; a rejection, or a value of the message that
    /// the database refuses (a data exception, SQLSTATE class 22, or a value past a limit,
    /// class 54), is returned with the effects undone, for the quarantine.
    public func intakeRejection(_ body: () async throws -> Void) async throws -> IntakeRejection? {
        try await undoing(
            { error in
                switch error {
                case let rejection as IntakeRejection: return rejection
                case let error as PostgresError where error.sqlState?.hasPrefix("22") == true || error.sqlState?.hasPrefix("54") == true:
                    return IntakeRejection(
                        "invalid", "the database refused a value of this message: \(error.message) (SQLSTATE \(error.sqlState ?? "-"))")
                default: return nil
                }
            }, body)
    }
}

extension IngestMessage {
    /// The body as strict JSON (no key twice, not too deep, UTF-8), or why it is not.
    public static func strictJSON(_ body: Data) throws(IntakeRejection) -> StrictJSON {
        do { return try StrictJSON.parse(body) } catch { throw IntakeRejection("undecodable", "the body is not strict JSON: \(error)") }
    }

    /// The body as a document that follows `schema` and holds no NUL character in any
    /// text (PostgreSQL's text cannot): a missing, unknown or mistyped field is
    /// `undecodable`, a value out of its range `invalid`.
    public func document(following schema: JSONSchema) throws(IntakeRejection) -> StrictJSON {
        try requireSize()
        let document = try Self.strictJSON(body)
        if let violation = schema.violation(of: document) {
            throw IntakeRejection(violation.structural ? "undecodable" : "invalid", violation.description)
        }
        if let path = Self.firstNUL(in: document, at: "") {
            throw IntakeRejection("invalid", "\(path) contains a NUL character (U+0000), which no text field may hold")
        }
        return document
    }

    static func firstNUL(in value: StrictJSON, at path: String) -> String? {
        switch value {
        case .string(let text): return text.unicodeScalars.contains("\u{0}") ? (path.isEmpty ? "the body" : path) : nil
        case .array(let items):
            for (index, item) in items.enumerated() { if let found = firstNUL(in: item, at: "\(path)[\(index)]") { return found } }
            return nil
        case .object(let members):
            for member in members {
                if member.key.unicodeScalars.contains("\u{0}") { return path.isEmpty ? "a key" : "a key of \(path)" }
                if let found = firstNUL(in: member.value, at: path.isEmpty ? member.key : "\(path).\(member.key)") { return found }
            }
            return nil
        case .number, .bool, .null: return nil
        }
    }
}

extension QuarantineStore {
    public enum Retried: Sendable, Equatable {
        /// Taken this time; what it made (an order, a customer), if anything.
        case taken(Int64?)
        case rejectedAgain(IntakeRejection)
    }

    /// Runs quarantined message `id` through `take` again (`erpctl <service> quarantine
    /// retry`): taken, it is marked retried with what it made; rejected, its reason is
    /// updated. `made` names what a taken one made, for the refusal of a second retry.
    public func retry(
        _ id: Int64, made: String, _ context: HandlerContext, take: (IngestMessage) async throws -> Int64?
    ) async throws -> Retried {
        guard let entry = try await entry(id, lock: true, in: context.transaction) else {
            throw CommandRefused("unknown-quarantine", "no quarantined message \(id)")
        }
        guard entry.status == "open" else {
            throw CommandRefused(
                "already-retried", "quarantined message \(entry.id) was taken already (\(made) \(entry.taken.map(String.init) ?? "-"))")
        }
        let message = IngestMessage(
            exchange: Exchanges.ingest, routingKey: entry.routingKey, messageID: entry.messageID, signature: entry.signature,
            shopHeader: entry.shopHeader, body: entry.body)
        var taken: Int64?
        if let rejection = try await context.intakeRejection({ taken = try await take(message) }) {
            try await rejectedAgain(entry.id, rejection, in: context.transaction)
            return .rejectedAgain(rejection)
        }
        try await markRetried(entry.id, taken: taken, in: context.transaction)
        return .taken(taken)
    }
}
