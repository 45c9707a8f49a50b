import AMQP
import Contracts
import Postgres

/// Whether a failure can go away by itself.
public enum FailureKind: Equatable, Sendable {
    /// Serialization failure, deadlock, a failing dependency: retry later, through a delay queue.
    case transient
    /// The database cannot be reached: nothing is wrong with the message, so it is neither
    /// retried through a delay queue nor parked; the consumer holds it and tries again
    /// until the database is back.
    case unavailable
    /// The message is wrong (undecodable, unknown type, fails validation, breaks a
    /// constraint): park it now, with `code` as the reason.
    case permanent(code: String)

    /// Sorts an error thrown while handling a message.
    public static func of(_ error: Error) -> FailureKind {
        switch error {
        case let error as PermanentMessageError:
            return .permanent(code: error.code)
        case let error as ContractError:
            switch error {
            case .typeMismatch: return .permanent(code: "unknown-type")
            case .undecodable: return .permanent(code: "undecodable")
            case .missingProperty: return .permanent(code: "missing-property")
            }
        case is MoneyError:
            return .permanent(code: "validation")
        case let error as PostgresError where error.code == .connectionFailed || error.code == .connectionClosed:
            return .unavailable
        case let error as PostgresError where error.code == .retriesExhausted && !error.isTransactionConflict:
            return .unavailable
        case let error as PostgresError where error.code == .server:
            // Data exceptions (22) and integrity violations (23) repeat on every attempt.
            if let state = error.sqlState, state.hasPrefix("22") || state.hasPrefix("23") {
                return .permanent(code: "constraint")
            }
            // A statement the server cannot run (class 42: a bug, or a missing privilege; class 0A:
            // a feature it does not support) fails
            // the same way every time: park it; replay it once the cause is fixed.
            if let state = error.sqlState, state.hasPrefix("42") || state.hasPrefix("0A") {
                return .permanent(code: "statement")
            }
            return .transient
        default:
            return .transient
        }
    }
}

/// What becomes of a message that failed: retried after a delay (through the given
/// retry level's delay queue) or parked. Pure: tested without servers.
public enum DeliveryDisposition: Equatable, Sendable {
    case retry(level: Int, attempt: Int)
    case park(code: String, attempts: Int)

    /// `previousAttempts` is how many times handling already failed before this failure
    /// (the `x-erp-attempt` header, 0 for a first delivery); `levels` the number of retry
    /// levels of the queue.
    public static func decide(_ failure: FailureKind, previousAttempts: Int, levels: Int) -> DeliveryDisposition {
        let attempt = previousAttempts + 1
        switch failure {
        case .permanent(let code):
            return .park(code: code, attempts: attempt)
        case .transient, .unavailable:
            guard attempt <= levels else { return .park(code: "retries-exhausted", attempts: attempt) }
            return .retry(level: attempt, attempt: attempt)
        }
    }
}
