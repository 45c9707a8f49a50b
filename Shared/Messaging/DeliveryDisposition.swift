import AMQP
import Contracts
import Postgres

/// An error that can go away by itself (a dependency that is down, a race that a retry
/// resolves): a handler throws one of these to have its message retried later. Every
/// other error a handler throws repeats on every attempt and parks the message at once.
public protocol TransientFailure: Error {}

/// Whether a failure can go away by itself.
public enum FailureKind: Equatable, Sendable {
    /// Serialization failure, deadlock, a lock or statement timeout, a failing dependency:
    /// retry later, through a delay queue.
    case transient
    /// The database cannot be reached: nothing is wrong with the message, so it is neither
    /// retried through a delay queue nor parked; the consumer holds it and tries again
    /// until the database is back.
    case unavailable
    /// The message is wrong or breaks a rule (undecodable, unknown type, fails validation,
    /// breaks a constraint or an invariant), so a retry would fail the same way: park it
    /// now, with `code` as the reason.
    case permanent(code: String)

    /// Sorts an error thrown while handling a message. Only what can go away by itself is
    /// transient: lost connections, conflicts between transactions, timeouts, resources the
    /// server lacks for now, and ``TransientFailure``s. Anything else is deterministic.
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
        case let error as PostgresError:
            return of(error)
        case is TransientFailure, is AMQPError, is CancellationError:
            return .transient
        case is DecodingError:
            return .permanent(code: "undecodable")
        default:
            // A validation or invariant error of a handler: it repeats on every attempt.
            return .permanent(code: "invalid")
        }
    }

    static func of(_ error: PostgresError) -> FailureKind {
        if error.code == .connectionFailed || error.code == .connectionClosed { return .unavailable }
        if error.code == .retriesExhausted { return error.isTransactionConflict ? .transient : .unavailable }
        if error.code == .invalidParameter { return .permanent(code: "constraint") }
        guard error.code == .server, let state = error.sqlState else { return .transient }
        switch state.prefix(2) {
        case "22", "23", "54":
            // Data exceptions, integrity violations and values past a program limit (an index
            // row too large) repeat on every attempt.
            return .permanent(code: "constraint")
        case "42", "0A":
            // A statement the server cannot run (a bug, a missing privilege, an unsupported
            // feature) fails the same way every time: park it; replay it once the cause is fixed.
            return .permanent(code: "statement")
        case "P0":
            // An exception a trigger or function raised: a rule of the schema.
            return .permanent(code: "constraint")
        default:
            // 40 (serialization, deadlock), 53 (resources), 55 (lock not available), 57
            // (cancelled by a timeout, shutdown), 58 and XX (system): may go away.
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
