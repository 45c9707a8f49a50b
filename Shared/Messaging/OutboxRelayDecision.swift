import AMQP

/// What the relay does with a batch of outbox rows once the broker has answered: rows
/// whose publish was confirmed are sent (deleted); rows that were nacked or lost with the
/// connection stay unsent and go out again in a later batch (consumers drop the duplicates
/// through their inbox). Rows the broker returned (published `mandatory`, and no queue, not
/// even an alternate exchange's, took them) are not sent either: they stay in the outbox, and
/// the relay says why. Pure: tested without servers.
struct OutboxRelayDecision: Equatable {
    var sent: [Int64] = []
    var unsent: [Int64] = []
    /// The returned rows (also in `unsent`), each with where it went.
    var returned: [Int64: String] = [:]
    /// The first failure, for the log.
    var firstFailure: String?

    init(sequence: [Int64], results: [Result<AMQPPublishOutcome, AMQPError>]) {
        precondition(sequence.count == results.count, "one result per row")
        for (seq, result) in zip(sequence, results) {
            switch result {
            case .success(.confirmed):
                sent.append(seq)
            case .success(.returned(let message)):
                unsent.append(seq)
                returned[seq] = "exchange \(message.exchange), routing key \(message.routingKey): \(message.replyText)"
            case .success(.nacked):
                unsent.append(seq)
                if firstFailure == nil { firstFailure = "the broker nacked outbox row \(seq)" }
            case .failure(let error):
                unsent.append(seq)
                if firstFailure == nil { firstFailure = "outbox row \(seq): \(error)" }
            }
        }
    }

    /// Nacks and lost publishes mean the broker is in trouble: pause before the next batch.
    /// A returned row is not the broker's trouble; it is held back on its own.
    var shouldBackOff: Bool { unsent.count > returned.count }
}
