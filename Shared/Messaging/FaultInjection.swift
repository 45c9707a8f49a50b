import Contracts

extension MessageHandlers {
    /// Makes the service refuse commands of type `M` (as its own handler would, with the
    /// refusal recorded and the sender told) while `when` says so; otherwise its handler
    /// runs. For end-to-end tests that inject a participant's failure at a saga step.
    public mutating func injectRefusal<M: Message>(
        _: M.Type, code: String = "injected", reason: String = "failure injected by a test", when: @escaping @Sendable () -> Bool = { true }
    ) {
        guard let original = registrations[M.type] else { preconditionFailure("no handler for \(M.type) to inject a refusal into") }
        var refusing = MessageHandlers()
        refusing.command(M.self) { (_: M, _) -> Bool in throw CommandRefused(code, reason) }
        let refusal = refusing.registrations[M.type]!
        registrations[M.type] = Registration(
            decode: original.decode,
            handle: { message, context in
                try await (when() ? refusal : original).handle(message, context)
            }, deduplicate: original.deduplicate)
    }
}
