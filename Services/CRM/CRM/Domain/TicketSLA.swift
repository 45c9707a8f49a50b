import Contracts
import Foundation

/// How long a ticket may wait for its first response and for its resolution, by priority.
/// Defaults: urgent 1 h / 8 h, high 4 h / 24 h, normal 8 h / 48 h, low 24 h / 5 days. From
/// the environment: `ERP_CRM_SLA_<PRIORITY>=<first response>/<resolution>`, each a number
/// with `m`, `h` or `d` (`ERP_CRM_SLA_URGENT=30m/4h`).
public struct TicketSLA: Sendable, Equatable {
    public var firstResponse: [TicketPriority: Duration]
    public var resolution: [TicketPriority: Duration]

    public static let standard = TicketSLA(
        firstResponse: [.urgent: .seconds(3_600), .high: .seconds(4 * 3_600), .normal: .seconds(8 * 3_600), .low: .seconds(24 * 3_600)],
        resolution: [.urgent: .seconds(8 * 3_600), .high: .seconds(24 * 3_600), .normal: .seconds(48 * 3_600), .low: .seconds(5 * 86_400)])

    public init(firstResponse: [TicketPriority: Duration], resolution: [TicketPriority: Duration]) {
        (self.firstResponse, self.resolution) = (firstResponse, resolution)
    }

    /// The standard deadlines with those the environment sets; a value that is not
    /// `<duration>/<duration>` (or whose first response comes after its resolution) is an error naming the variable.
    public init(environment: [String: String]) throws(SLAError) {
        self = .standard
        for priority in TicketPriority.allCases {
            let variable = "ERP_CRM_SLA_\(priority.rawValue.uppercased())"
            guard let value = environment[variable] else { continue }
            let parts = value.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let first = Self.duration(parts[0]), let whole = Self.duration(parts[1]), first <= whole else {
                throw SLAError(variable: variable, value: value)
            }
            firstResponse[priority] = first
            resolution[priority] = whole
        }
    }

    /// `90m`, `4h`, `5d` (1 to 9999 of the unit).
    static func duration(_ text: String) -> Duration? {
        guard let unit = text.last, let count = Int(text.dropLast()), (1...9_999).contains(count) else { return nil }
        switch unit {
        case "m": return .seconds(count * 60)
        case "h": return .seconds(count * 3_600)
        case "d": return .seconds(count * 86_400)
        default: return nil
        }
    }

    /// When a ticket of `priority` opened (or reopened) at `start` must have had its first response and its resolution.
    public func deadlines(_ priority: TicketPriority, from start: Date) -> (firstResponse: Date, resolution: Date) {
        func seconds(_ duration: Duration?) -> TimeInterval { TimeInterval((duration ?? .seconds(86_400)).components.seconds) }
        return (start + seconds(firstResponse[priority]), start + seconds(resolution[priority]))
    }
}

public struct SLAError: Error, Equatable, CustomStringConvertible {
    public let variable: String
    public let value: String
    public init(variable: String, value: String) { (self.variable, self.value) = (variable, value) }
    public var description: String {
        "invalid \(variable)='\(value)': expected <first response>/<resolution>, each a number and m, h or d (30m/4h), the first no longer than the second"
    }
}
