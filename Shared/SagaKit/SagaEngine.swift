import Contracts
import Foundation

/// A saga's persisted state.
public struct SagaState<D: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Waiting for the current step's reply or event.
        case waiting
        /// Every step done.
        case completed
        /// A step failed and every compensation is done.
        case compensated
        /// A compensation itself failed: a person must look (`erpctl saga retry`).
        case stuck
        /// Another saga took over its subject (the order was split or merged).
        case superseded
    }

    public var id: UUID
    public var type: String
    public var data: D
    public var step: Int
    public var compensating: Bool
    public var status: Status
    /// The request id of the command the saga waits an answer for; other answers are stale.
    public var requestID: UUID?
    /// When the current step times out.
    public var deadline: Date?
    public var failure: SagaFailure?
    /// Bumped on every change (optimistic check when saving).
    public var version: Int
    /// What happened, step by step. Loaded from the store without it: then it holds the
    /// entries added since, which the store appends.
    public var history: [Entry]
    /// Events that arrived before the step that awaits them (messages may come out of order).
    public var early: [EarlyEvent] = []
    /// How many times the current step's command was refused "not yet" and is to be sent again (``SagaStep/retryWhen``).
    public var retries: Int = 0

    public struct EarlyEvent: Codable, Sendable, Equatable {
        public let type: MessageType
        public let body: SagaPayload
    }

    public struct Entry: Codable, Sendable, Equatable {
        public let at: Date
        public let step: String
        public let what: String
    }

    public var isFinished: Bool { status != .waiting }

    /// `requestId` so that snake_case coding gives `request_id` both ways (a `requestID`
    /// key would come back as `requestId` and be lost).
    enum CodingKeys: String, CodingKey {
        case id, type, data, step, compensating, status, deadline, failure, version, history, early, retries
        case requestID = "requestId"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(UUID.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        data = try container.decode(D.self, forKey: .data)
        step = try container.decode(Int.self, forKey: .step)
        compensating = try container.decode(Bool.self, forKey: .compensating)
        status = try container.decode(Status.self, forKey: .status)
        requestID = try container.decodeIfPresent(UUID.self, forKey: .requestID)
        deadline = try container.decodeIfPresent(Date.self, forKey: .deadline)
        failure = try container.decodeIfPresent(SagaFailure.self, forKey: .failure)
        version = try container.decode(Int.self, forKey: .version)
        // Left out when a saga is loaded to be advanced (the store appends new entries).
        history = try container.decodeIfPresent([Entry].self, forKey: .history) ?? []
        early = try container.decodeIfPresent([EarlyEvent].self, forKey: .early) ?? []
        retries = try container.decodeIfPresent(Int.self, forKey: .retries) ?? 0
    }

    init(
        id: UUID, type: String, data: D, step: Int, compensating: Bool, status: Status, requestID: UUID?, deadline: Date?,
        failure: SagaFailure?, version: Int, history: [Entry]
    ) {
        (self.id, self.type, self.data, self.step, self.compensating, self.status) = (id, type, data, step, compensating, status)
        (self.requestID, self.deadline, self.failure, self.version, self.history) = (requestID, deadline, failure, version, history)
    }
}

/// What a saga's input is: its start, a reply to a command it sent, an event, its deadline passing.
public enum SagaInput: Sendable, Equatable {
    case start
    /// `result`, when given, is the outcome's result as it arrived (the outcome itself then has none).
    case reply(requestID: UUID, outcome: CommandOutcome, result: SagaPayload? = nil)
    case event(type: MessageType, body: SagaPayload)
    case timeout
    /// An operator asks a stuck saga to try its failed compensation again.
    case retry
    /// The saga's subject went away (the order was cancelled): undo what was done.
    case abort(reason: String)
    /// Another saga took over the subject (the order was split or merged, and the new
    /// orders have sagas of their own): stop here, undoing nothing.
    case supersede(reason: String)
}

/// What the engine asks the coordinator to do, in order, in the same transaction.
public enum SagaAction: Sendable, Equatable {
    case send(SagaCommand, requestID: UUID)
}

/// The pure saga engine: given a saga's state and an input, the new state and the commands
/// to send. No broker, no database, no clock (the caller passes `now`).
public struct SagaEngine<D: Codable & Sendable & Equatable>: Sendable {
    public let definition: SagaDefinition<D>
    public init(_ definition: SagaDefinition<D>) { self.definition = definition }

    public func start(id: UUID, data: D, now: Date, newRequestID: () -> UUID = UUID.random) throws -> (SagaState<D>, [SagaAction]) {
        var state = SagaState(
            id: id, type: definition.type, data: data, step: 0, compensating: false, status: .waiting, requestID: nil, deadline: nil,
            failure: nil, version: 0, history: [])
        let actions = try enter(&state, now: now, newRequestID: newRequestID)
        return (state, actions)
    }

    public func handle(
        _ input: SagaInput, state current: SagaState<D>, now: Date, newRequestID: () -> UUID = UUID.random
    ) throws -> (SagaState<D>, [SagaAction]) {
        var state = current
        switch input {
        case .start:
            return (state, [])
        case .retry:
            guard state.status == .stuck else { return (state, []) }
            state.status = .waiting
            state.version += 1
            state.retries = 0
            if !state.compensating {
                // Stopped past the point of no return: send the failed step's command again.
                state.history.append(.init(at: now, step: stepName(state), what: "retried"))
                state.failure = nil
                let actions = try enter(&state, now: now, newRequestID: newRequestID)
                return (state, actions)
            }
            // Actions first: `(state, try enter(&state, …))` would return the state from before the call.
            let actions = try compensate(&state, now: now, newRequestID: newRequestID)
            return (state, actions)
        case .abort(let reason):
            guard state.status == .waiting, !state.compensating else { return (state, []) }
            state.version += 1
            // A step whose command is out (its reply not in yet) may have taken effect: it is
            // undone too (compensations are idempotent: releasing what was never held is nothing).
            let inFlight = state.requestID != nil
            let actions = try fail(
                &state, SagaFailure(step: stepName(state), code: "aborted", reason: reason), undoingCurrent: inFlight, now: now,
                newRequestID: newRequestID)
            return (state, actions)
        case .supersede(let reason):
            guard state.status == .waiting, !state.compensating else { return (state, []) }
            state.version += 1
            state.status = .superseded
            state.requestID = nil
            state.deadline = nil
            state.history.append(.init(at: now, step: stepName(state), what: "superseded: \(reason)"))
            return (state, [])
        case .timeout:
            guard state.status == .waiting, let deadline = state.deadline, now >= deadline else { return (state, []) }
            let name = stepName(state)
            state.version += 1
            if !state.compensating, state.retries > 0, state.requestID == nil, definition.steps.indices.contains(state.step) {
                // A step refused "not yet" sends its command again.
                state.history.append(.init(at: now, step: name, what: "trying again"))
                let actions = try enter(&state, now: now, newRequestID: newRequestID)
                return (state, actions)
            }
            if state.compensating {
                state.status = .stuck
                state.history.append(.init(at: now, step: name, what: "compensation timed out"))
                return (state, [])
            }
            if definition.steps.indices.contains(state.step),
                definition.steps[state.step].onTimeout == .proceed || definition.steps[state.step].awaiting == .delay
            {
                try definition.steps[state.step].onSuccess(&state.data, nil)
                state.history.append(.init(at: now, step: name, what: "timed out; going on"))
                state.step += 1
                let actions = try enter(&state, now: now, newRequestID: newRequestID)
                return (state, actions)
            }
            let failure = SagaFailure(step: name, code: "timeout", reason: "\(name) took longer than allowed")
            if definition.steps.indices.contains(state.step), definition.steps[state.step].forwardOnly {
                stop(&state, failure, now: now)
                return (state, [])
            }
            // Actions first: `(state, try enter(&state, …))` would return the state from before the call.
            let actions = try fail(&state, failure, now: now, newRequestID: newRequestID)
            return (state, actions)
        case .reply(let requestID, let outcome, let result):
            guard state.status == .waiting, requestID == state.requestID else { return (state, []) }  // stale or duplicate
            state.version += 1
            let name = stepName(state)
            if state.compensating {
                guard outcome.status == .done else {
                    state.status = .stuck
                    state.requestID = nil
                    state.history.append(.init(at: now, step: name, what: "compensation refused: \(outcome.code ?? ""): \(outcome.reason ?? "")"))
                    return (state, [])
                }
                state.history.append(.init(at: now, step: name, what: "compensated"))
                state.step -= 1
                // Actions first: `(state, try enter(&state, …))` would return the state from before the call.
                let actions = try compensate(&state, now: now, newRequestID: newRequestID)
                return (state, actions)
            }
            guard outcome.status == .done else {
                let failure = SagaFailure(step: name, code: outcome.code ?? "refused", reason: outcome.reason ?? "refused")
                let step = definition.steps[state.step]
                if step.retryWhen.contains(failure.code), state.retries < step.retryLimit {
                    // Not yet: the command goes again when this deadline passes (``SagaInput/timeout``).
                    state.retries += 1
                    state.requestID = nil
                    state.deadline = Self.adding(step.retryEvery, to: now)
                    state.history.append(
                        .init(
                            at: now, step: name,
                            what:
                                "not yet (\(failure.code): \(failure.reason)); trying again in \(step.retryEvery) (\(state.retries) of \(step.retryLimit))"
                        ))
                    return (state, [])
                }
                if step.forwardOnly {
                    stop(&state, failure, now: now)
                    return (state, [])
                }
                let actions = try fail(&state, failure, now: now, newRequestID: newRequestID)
                return (state, actions)
            }
            try definition.steps[state.step].onSuccess(&state.data, result ?? outcome.result.map(SagaPayload.init))
            state.retries = 0
            state.history.append(.init(at: now, step: name, what: "done"))
            state.step += 1
            // Actions first: `(state, try enter(&state, …))` would return the state from before the call.
            let actions = try enter(&state, now: now, newRequestID: newRequestID)
            return (state, actions)
        case .event(let type, let body):
            guard state.status == .waiting, !state.compensating, state.step < definition.steps.count else { return (state, []) }
            let step = definition.steps[state.step]
            guard case .event(let awaited) = step.awaiting, awaited == type, step.matches(state.data, body) else {
                // Not for this step: keep it if a later step waits for it (it came before its time).
                let later = definition.steps[(state.step + 1)...].contains { later in
                    if case .event(let awaited) = later.awaiting { return awaited == type && later.matches(state.data, body) }
                    return false
                }
                let early = SagaState<D>.EarlyEvent(type: type, body: body)
                guard later, !state.early.contains(early) else { return (state, []) }
                state.early.append(early)
                state.version += 1
                state.history.append(.init(at: now, step: step.name, what: "\(type) arrived early; kept"))
                return (state, [])
            }
            state.version += 1
            try step.onSuccess(&state.data, body)
            state.history.append(.init(at: now, step: step.name, what: "\(type) arrived"))
            state.step += 1
            // Actions first: `(state, try enter(&state, …))` would return the state from before the call.
            let actions = try enter(&state, now: now, newRequestID: newRequestID)
            return (state, actions)
        }
    }

    static func adding(_ duration: Duration, to date: Date) -> Date {
        date.addingTimeInterval(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    func stepName(_ state: SagaState<D>) -> String {
        definition.steps.indices.contains(state.step) ? definition.steps[state.step].name : "end"
    }

    /// Runs steps from `state.step` on: sends the first command (or waits for the first
    /// event); skips steps that do not apply; completes at the end.
    private func enter(_ state: inout SagaState<D>, now: Date, newRequestID: () -> UUID) throws -> [SagaAction] {
        while state.step < definition.steps.count {
            let step = definition.steps[state.step]
            if step.skip(state.data) {
                state.history.append(.init(at: now, step: step.name, what: "skipped"))
                state.step += 1
                continue
            }
            state.deadline = step.timeout.map { Self.adding($0, to: now) }
            if let command = try step.action(state.data) {
                if state.deadline == nil { state.deadline = Self.adding(definition.replyTimeout, to: now) }
                let request = newRequestID()
                state.requestID = request
                state.history.append(.init(at: now, step: step.name, what: "sent \(command.type)"))
                return [.send(command, requestID: request)]
            }
            if case .event(let type) = step.awaiting {
                if let index = state.early.firstIndex(where: { $0.type == type && step.matches(state.data, $0.body) }) {
                    let early = state.early.remove(at: index)
                    try step.onSuccess(&state.data, early.body)
                    state.history.append(.init(at: now, step: step.name, what: "\(type) had arrived early"))
                    state.step += 1
                    continue
                }
                state.requestID = nil
                state.history.append(.init(at: now, step: step.name, what: "waiting for \(type)"))
                return []
            }
            if step.awaiting == .delay, state.deadline != nil {
                state.requestID = nil
                state.history.append(.init(at: now, step: step.name, what: "holding until the deadline"))
                return []
            }
            // A local step with nothing to send and nothing to wait for.
            try step.onSuccess(&state.data, nil)
            state.history.append(.init(at: now, step: step.name, what: "done"))
            state.step += 1
        }
        state.status = .completed
        state.requestID = nil
        state.deadline = nil
        state.history.append(.init(at: now, step: "end", what: "completed"))
        return []
    }

    /// A forward-only step failed: nothing is undone; the saga waits for a person (`retry`).
    private func stop(_ state: inout SagaState<D>, _ failure: SagaFailure, now: Date) {
        state.failure = failure
        state.status = .stuck
        state.requestID = nil
        state.deadline = nil
        state.history.append(
            .init(at: now, step: failure.step, what: "failed: \(failure.code): \(failure.reason); stopped here (past the point of no return)"))
    }

    private func fail(
        _ state: inout SagaState<D>, _ failure: SagaFailure, undoingCurrent: Bool = false, now: Date, newRequestID: () -> UUID
    ) throws -> [SagaAction] {
        state.failure = failure
        state.compensating = true
        state.history.append(.init(at: now, step: failure.step, what: "failed: \(failure.code): \(failure.reason)"))
        if !undoingCurrent { state.step -= 1 }  // a refused step did nothing to undo
        return try compensate(&state, now: now, newRequestID: newRequestID)
    }

    /// Sends the compensation of `state.step` and the ones before it, newest first; ends
    /// with the failure commands once nothing is left to undo.
    private func compensate(_ state: inout SagaState<D>, now: Date, newRequestID: () -> UUID) throws -> [SagaAction] {
        while state.step >= 0 {
            let step = definition.steps[state.step]
            if !step.skip(state.data), let command = try step.compensation(state.data) {
                let request = newRequestID()
                state.requestID = request
                state.deadline = Self.adding(definition.replyTimeout, to: now)
                state.history.append(.init(at: now, step: step.name, what: "compensating: sent \(command.type)"))
                return [.send(command, requestID: request)]
            }
            state.step -= 1
        }
        state.status = .compensated
        state.requestID = nil
        state.deadline = nil
        state.history.append(.init(at: now, step: "end", what: "compensated"))
        return try definition.onFailure(state.data, state.failure ?? SagaFailure(step: "-", code: "failed", reason: "failed"))
            .map { .send($0, requestID: newRequestID()) }
    }
}

extension SagaEngine {
    /// Changes a waiting saga's data from outside its steps (another saga changed its
    /// subject: an amended order's lines): a new version, with `what` in its history.
    public func amend(_ state: SagaState<D>, _ what: String, now: Date, _ change: (inout D) -> Void) -> SagaState<D> {
        var next = state
        change(&next.data)
        guard next.data != state.data, state.status == .waiting else { return state }
        next.version += 1
        next.history = [.init(at: now, step: stepName(next), what: what)]
        return next
    }
}
