import Foundation
import ServiceKit

/// Which platforms are told back (`ERP_OUTBOUND_PLATFORMS`, comma separated; default
/// `web,shopify`), the tracking page of each carrier (`ERP_TRACKING_URL_<CARRIER>`, with
/// `{number}` where the tracking number goes) and the Shopify location of each warehouse
/// (`ERP_SHOPIFY_LOCATION_<WAREHOUSE>`, a Shopify location id).
public struct OutboundConfiguration: Sendable, Equatable {
    public var platforms: Set<String>
    public var trackingURLs: [String: String]
    public var shopifyLocations: [String: Int64]

    public init(platforms: Set<String> = ["web", "shopify"], trackingURLs: [String: String] = [:], shopifyLocations: [String: Int64] = [:]) {
        (self.platforms, self.trackingURLs, self.shopifyLocations) = (platforms, trackingURLs, shopifyLocations)
    }

    /// The settings, or the first one that is wrong.
    public init(environment: [String: String]) throws {
        let reader = EnvironmentReader(environment)
        var urls: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("ERP_TRACKING_URL_") && !value.isEmpty {
            guard value.contains("{number}"), value.hasPrefix("https://") || value.hasPrefix("http://") else {
                throw ConfigurationError(variable: name, value: value, expected: "an http(s) URL with {number} where the tracking number goes")
            }
            urls[String(name.dropFirst("ERP_TRACKING_URL_".count)).lowercased().replacingOccurrences(of: "_", with: "-")] = value
        }
        self.init(platforms: Set(try reader.outboundPlatforms()), trackingURLs: urls, shopifyLocations: try reader.shopifyLocations())
    }

    /// The carrier's tracking page for `number`, if the carrier has one configured.
    public func trackingURL(carrier: String, number: String) -> String? {
        guard let template = trackingURLs[carrier.lowercased()] else { return nil }
        let encoded = number.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=?#+"))) ?? number
        return template.replacingOccurrences(of: "{number}", with: encoded)
    }
}
