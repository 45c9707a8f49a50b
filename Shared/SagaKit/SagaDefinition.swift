import Contracts
import Foundation

/// A command a saga sends: its type (the routing key on `erp.commands`) and its JSON body.
public struct SagaCommand: Sendable, Equatable {
    public let type: MessageType
    /// The message as it is sent (JSON with the message coding), encoded once.
    public let payload: Data
    public init<M: Message>(_ message: M) throws {
        type = M.type
        payload = try MessageCoding.encoder().encode(message)
    }
    public init(type: MessageType, payload: Data) { (self.type, self.payload) = (type, payload) }
}

/// What a step waits for after its action.
public enum SagaAwait: Sendable, Equatable {
    /// The outcome of the command the step sent (matched by request id).
    case reply
    /// An event of this type that `matches` accepts (e.g. the order became paid).
    case event(MessageType)
    /// Nothing: the step waits until its timeout, then the saga goes on (a hold).
    case delay
}

/// One step of a saga over its data `D`: an action (a command, or nothing for a step that
/// only waits for an event), what to do with the answer, how long it may take, and the
/// compensation that undoes it if a later step fails. Pure functions only.
public struct SagaStep<D: Codable & Sendable & Equatable>: Sendable {
    public let name: String
    public let action: @Sendable (D) throws -> SagaCommand?
    public let awaiting: SagaAwait
    /// Whether an event (when awaiting one) is the one this saga waits for.
    public let matches: @Sendable (D, SagaPayload) -> Bool
    /// Takes the result (reply result or event body) into the data.
    public let onSuccess: @Sendable (inout D, SagaPayload?) throws -> Void
    public let compensation: @Sendable (D) throws -> SagaCommand?
    /// How long the step may wait before it counts as failed (`timeout`), if at all.
    public let timeout: Duration?
    /// Whether the step is skipped for this data (e.g. waiting for payment of a paid order).
    public let skip: @Sendable (D) -> Bool
    /// What its timeout means: the step failed (compensate), or the saga goes on without
    /// what it waited for (e.g. no delivery scan: the parcel is taken as delivered).
    public let onTimeout: SagaTimeoutAction
    /// Past the point of no return (e.g. the returned goods are back): a failure does not
    /// undo the steps before; the saga stops `stuck` at this step, and `retry` sends its
    /// command again once a person fixed the cause.
    public let forwardOnly: Bool
    /// Refusal codes that mean "not yet" (the participant has not caught up: stock not yet
    /// issued, the order not yet invoiced): the step sends its command again after
    /// ``retryEvery``, up to ``retryLimit`` times, before the refusal counts.
    public let retryWhen: Set<String>
    public let retryEvery: Duration
    public let retryLimit: Int

    public init(
        _ name: String, timeout: Duration? = nil, onTimeout: SagaTimeoutAction = .fail, forwardOnly: Bool = false,
        retryWhen: Set<String> = [], retryEvery: Duration = .seconds(5), retryLimit: Int = 24,
        skip: @escaping @Sendable (D) -> Bool = { _ in false },
        action: @escaping @Sendable (D) throws -> SagaCommand?, awaiting: SagaAwait = .reply,
        matches: @escaping @Sendable (D, SagaPayload) -> Bool = { _, _ in true },
        onSuccess: @escaping @Sendable (inout D, SagaPayload?) throws -> Void = { _, _ in },
        compensation: @escaping @Sendable (D) throws -> SagaCommand? = { _ in nil }
    ) {
        (self.name, self.timeout, self.skip, self.action, self.awaiting, self.onTimeout) = (name, timeout, skip, action, awaiting, onTimeout)
        self.forwardOnly = forwardOnly
        (self.retryWhen, self.retryEvery, self.retryLimit) = (retryWhen, retryEvery, retryLimit)
        (self.matches, self.onSuccess, self.compensation) = (matches, onSuccess, compensation)
    }
}

public enum SagaTimeoutAction: Sendable, Equatable {
    case fail
    /// Run the step's `onSuccess` with no result and go on.
    case proceed
}

/// A saga: its type name, its steps, and what to do when it ends in failure after its
/// compensations ran (e.g. put the order on hold or cancel it).
public struct SagaDefinition<D: Codable & Sendable & Equatable>: Sendable {
    public let type: String
    public let steps: [SagaStep<D>]
    /// Commands sent once every compensation is done, given why the saga failed.
    public let onFailure: @Sendable (D, SagaFailure) throws -> [SagaCommand]
    /// How long a step (or a compensation) waits for its command's reply when the step
    /// sets no timeout of its own: a participant that does not answer fails the step. Every
    /// waiting saga has a deadline.
    public let replyTimeout: Duration

    public init(
        type: String, steps: [SagaStep<D>], replyTimeout: Duration = .seconds(3600),
        onFailure: @escaping @Sendable (D, SagaFailure) throws -> [SagaCommand] = { _, _ in [] }
    ) {
        (self.type, self.steps, self.onFailure, self.replyTimeout) = (type, steps, onFailure, replyTimeout)
    }
}

/// Why a saga failed: the step and the participant's code and reason (or `timeout`).
public struct SagaFailure: Codable, Sendable, Equatable {
    public let step: String
    public let code: String
    public let reason: String
    public init(step: String, code: String, reason: String) { (self.step, self.code, self.reason) = (step, code, reason) }
}
