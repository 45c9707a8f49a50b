import AMQP

/// What the relay does with a batch of outbox rows once the broker has answered: rows
/// whose publish was confirmed (or returned: no queue wanted them) are sent (deleted); rows
/// that were nacked or lost with the connection stay unsent and go out again in a later
/// batch (consumers drop the duplicates through their inbox). Pure: tested without servers.
struct OutboxRelayDecision: Equatable {
    var sent: [Int64] = []
    var unsent: [Int64] = []
    /// The first failure, for the log.
    var firstFailure: String?

    init(sequence: [Int64], results: [Result<AMQPPublishOutcome, AMQPError>]) {
        precondition(sequence.count == results.count, "one result per row")
        for (seq, result) in zip(sequence, results) {
            switch result {
            case .success(.confirmed), .success(.returned):
                sent.append(seq)
            case .success(.nacked):
                unsent.append(seq)
                if firstFailure == nil { firstFailure = "the broker nacked outbox row \(seq)" }
            case .failure(let error):
                unsent.append(seq)
                if firstFailure == nil { firstFailure = "outbox row \(seq): \(error)" }
            }
        }
    }

    /// A batch with failures means the broker is in trouble: pause before the next one.
    var shouldBackOff: Bool { !unsent.isEmpty }
}
