/// Who a customer message is about, decided from the profiles its contact keys are
/// already linked to. Pure: the store looks the keys up and carries the decision out.
///
/// - No key is linked: a new profile.
/// - Every linked key points to one profile: that profile (the reason names a key).
/// - The keys point to several profiles: they are one person. The oldest profile survives
///   and the others are merged into it, each with the key that linked it, so a merge is
///   never silent.
public enum IdentityResolution {
    public enum Decision: Equatable, Sendable {
        case create
        case existing(profile: Int64, matchedBy: ContactKey)
        case merge(survivor: Int64, absorbed: [Absorbed])
    }

    /// A profile merged into the survivor, and the key both were found by.
    public struct Absorbed: Equatable, Sendable {
        public let profile: Int64
        public let matchedBy: ContactKey
        public init(profile: Int64, matchedBy: ContactKey) { (self.profile, self.matchedBy) = (profile, matchedBy) }
        public var reason: String { "the same \(matchedBy) as the surviving profile" }
    }

    /// `links` are the message's keys, in the order the message gave them (platform id,
    /// emails, phones), with the live profile each is linked to, if any.
    public static func decide(links: [(key: ContactKey, profile: Int64?)]) -> Decision {
        let linked = links.compactMap { link in link.profile.map { (key: link.key, profile: $0) } }
        guard let survivor = linked.map(\.profile).min() else { return .create }
        var absorbed: [Absorbed] = []
        var seen: Set<Int64> = [survivor]
        for link in linked where seen.insert(link.profile).inserted {
            absorbed.append(Absorbed(profile: link.profile, matchedBy: link.key))
        }
        if absorbed.isEmpty {
            let key = linked.first { $0.profile == survivor }!.key
            return .existing(profile: survivor, matchedBy: key)
        }
        return .merge(survivor: survivor, absorbed: absorbed)
    }
}
