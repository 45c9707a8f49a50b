import Foundation

/// Helpers for the connection URLs both C wrappers read.
public enum ConnectionURL {
    /// The URL with its password replaced by `***`, for logs and errors.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "<unparseable URL>"
    }
}
