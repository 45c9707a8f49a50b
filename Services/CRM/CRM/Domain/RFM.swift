import Contracts

/// The usual RFM map: a customer's segment from their recency score and the mean of their
/// frequency and monetary scores (each 1–5, 5 the best: most recent, most orders, most spent).
enum RFM {
    /// Rows: recency 5 down to 1; columns: frequency-and-monetary 5 down to 1.
    static let map: [[RFMSegment]] = [
        [.champions, .champions, .potentialLoyalists, .potentialLoyalists, .new],
        [.champions, .loyal, .potentialLoyalists, .potentialLoyalists, .promising],
        [.loyal, .loyal, .needAttention, .aboutToSleep, .aboutToSleep],
        [.cannotLose, .atRisk, .atRisk, .hibernating, .hibernating],
        [.cannotLose, .cannotLose, .atRisk, .lost, .lost],
    ]

    static func segment(recency r: Int, frequency f: Int, monetary m: Int) -> RFMSegment {
        let recency = min(max(r, 1), 5)
        // The mean of the two, rounded half up: (4, 5) is 5, (3, 4) is 4.
        let value = min(max((f + m + 1) / 2, 1), 5)
        return map[5 - recency][5 - value]
    }
}
