import Foundation

/// Helpers for the connection URLs both C wrappers read.
public enum ConnectionURL {
    /// The URL with its password replaced by `***`, for logs and errors. Works on URLs that
    /// `URLComponents` refuses too (several hosts, a password with an unescaped `/`, `?` or
    /// `#`): everything between the first `:` after the user and the last `@` is hidden, and
    /// so are the values of `password` and `sslpassword` query items. It may hide more than
    /// the password, never less.
    public static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        var text = url
        let rest = url[schemeEnd.upperBound...]
        if let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
            text = String(url[..<rest.index(after: colon)]) + "***" + String(rest[at...])
        }
        return text.replacing(/([?&](?:ssl)?password=)[^&#]*/) { match in "\(match.1)***" }
    }

    /// A URL taken apart: `scheme://user:password@host1:port1,host2:port2/path?query`.
    public struct Parts: Sendable {
        public var scheme: String
        public var user: String?
        public var password: String?
        /// Each host with its port, if the URL gives one.
        public var hosts: [(host: String, port: Int?)]
        /// The path without its leading `/`, percent-decoded.
        public var path: String
        /// The path without its leading `/`, as written.
        public var encodedPath: String
        public var query: [(name: String, value: String)]
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses a URL of one of `schemes`, allowing several comma-separated hosts (which
    /// `URLComponents` does not), each with an optional port and IPv6 literals in brackets. User, password, path and query values are percent-decoded.
    public static func parse(_ url: String, schemes: Set<String>) throws -> Parts {
        let wrongScheme = ParseError(description: "scheme must be \(schemes.sorted().map { "\($0)://" }.joined(separator: " or "))")
        guard let schemeEnd = url.range(of: "://") else { throw wrongScheme }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard schemes.contains(scheme) else { throw wrongScheme }
        var rest = Substring(url[schemeEnd.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var queryText: Substring = ""
        if let question = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        // An '@' past the end of the authority: the password holds a '/', '?' or '#' that
        // cut it short. Say so without quoting what would be a piece of the password.
        if !authority.contains("@"), url[schemeEnd.upperBound...].contains("@") {
            throw ParseError(description: "the user or password holds an unescaped '/', '?' or '#': write them as %2F, %3F, %23")
        }
        let pathText = authorityEnd < rest.endIndex ? rest[rest.index(after: authorityEnd)...] : ""
        func decoded(_ text: Substring, _ what: String) throws -> String {
            guard let value = String(text).removingPercentEncoding else { throw ParseError(description: "\(what) has a bad %-escape") }
            return value
        }
        var user: String?
        var password: String?
        var hostList = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostList = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try decoded(userInfo[..<colon], "the user")
                password = try decoded(userInfo[userInfo.index(after: colon)...], "the password")
            } else {
                user = try decoded(userInfo, "the user")
            }
        }
        var hosts: [(host: String, port: Int?)] = []
        for entry in hostList.split(separator: ",", omittingEmptySubsequences: false) {
            var host: Substring
            var portText: Substring?
            if entry.hasPrefix("[") {
                guard let close = entry.firstIndex(of: "]") else { throw ParseError(description: "unclosed [ in host '\(entry)'") }
                host = entry[entry.index(after: entry.startIndex)..<close]
                let after = entry[entry.index(after: close)...]
                if after.hasPrefix(":") {
                    portText = after.dropFirst()
                } else if !after.isEmpty {
                    throw ParseError(description: "bad host '\(entry)'")
                }
            } else if let colon = entry.lastIndex(of: ":") {
                host = entry[..<colon]
                portText = entry[entry.index(after: colon)...]
            } else {
                host = entry
            }
            guard !host.isEmpty else { throw ParseError(description: "no host") }
            var port: Int?
            if let portText {
                guard let number = Int(portText), (1...65535).contains(number) else {
                    throw ParseError(description: "port '\(portText)' of host \(host) is not 1...65535")
                }
                port = number
            }
            hosts.append((try decoded(host, "the host"), port))
        }
        var query: [(name: String, value: String)] = []
        for item in queryText.split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = pair.count > 1 ? pair[1] : ""
            query.append((try decoded(pair[0], "a parameter name"), try decoded(value, "parameter \(pair[0])")))
        }
        return Parts(
            scheme: scheme, user: user, password: password, hosts: hosts, path: try decoded(pathText, "the path"), encodedPath: String(pathText),
            query: query)
    }
}
