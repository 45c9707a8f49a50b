/// Finance's refusals that mean it has not caught up yet (the order's placement or its
/// invoice is still on its way, say while an instance of finance is paused): a step that
/// meets one sends its command again a little later instead of failing
/// (``SagaKit/SagaStep/retryWhen``). The chaos soak found merges undone and refunds stuck
/// for exactly this.
enum FinanceCatchingUp {
    static let codes: Set<String> = ["unknown-invoice", "unknown-order"]
}
