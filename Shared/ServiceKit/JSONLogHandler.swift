import Foundation
import Contracts
import Logging

/// Logs one JSON object per line to standard output: time, level, service, label,
/// message, and every metadata value (message_id, correlation_id, error...) as a string.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let service: String
    private let output: @Sendable (String) -> Void

    /// Writes to standard output unless `output` says otherwise (tests capture lines).
    public init(label: String, service: String, level: Logger.Level, output: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.service = service
        logLevel = level
        self.output = output ?? { Self.write($0) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", Self.timestamp()), ("level", event.level.rawValue), ("service", service), ("label", label),
            ("message", event.message.description),
        ]
        var merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if let error = event.error { merged["error"] = "\(error)" }
        for key in merged.keys.sorted() {
            fields.append((key, "\(merged[key]!)"))
        }
        var line = "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line += "," }
            line += Self.quoted(key) + ":" + Self.quoted(value)
        }
        line += "}\n"
        output(line)
    }

    static func quoted(_ text: String) -> String { JSONText.quoted(text) }

    private static let outputLock = NSLock()

    private static func write(_ line: String) {
        outputLock.withLock {
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }

    private static func timestamp() -> String { UTCTimestamp.string() }
}
