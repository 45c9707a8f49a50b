import Contracts
import Foundation
import Ingest

/// A platform's return request (`platform.<platform>.return.requested` on `erp.ingest`),
/// checked without the database: registered platform, signature, JSON, fields. Pure.
public enum PlatformReturn {
    public static func isReturnRequest(_ routingKey: String) -> Bool {
        let parts = routingKey.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "platform" && parts[2] == "return"
    }

    /// Everything that can be checked without the database.
    public static func read(
        _ message: IngestMessage, configuration: IngestConfiguration
    ) throws(IntakeRejection) -> (platform: String, request: CanonicalReturn, kind: ReturnKind) {
        let parts = message.routingKey.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[3] == "requested", !parts[1].isEmpty else {
            throw IntakeRejection("bad-routing-key", "routing key '\(message.routingKey)' is not platform.<platform>.return.requested")
        }
        let platform = parts[1]
        try message.requireSize()
        guard let format = configuration.format(of: platform) else {
            throw IntakeRejection("unknown-platform", "platform '\(platform)' is not registered (ERP_INGEST_GENERIC_PLATFORMS)")
        }
        guard format == .canonical else { throw IntakeRejection("unsupported", "platform \(platform) sends no returns in the canonical format") }
        try configuration.verify(message, platform: platform)
        _ = try IntakeReading.strictJSON(message.body)
        let request: CanonicalReturn
        do { request = try MessageCoding.decoder().decode(CanonicalReturn.self, from: message.body) } catch {
            throw IntakeRejection("undecodable", MessageCoding.describe(error))
        }
        let texts =
            [
                ("shop", request.shop), ("external_id", request.externalId), ("return_id", request.returnId), ("reason", request.reason ?? ""),
                ("kind", request.kind ?? ""),
            ] + request.lines.enumerated().map { ("lines[\($0.offset)].sku", $0.element.sku) }
        for (field, value) in texts where value.unicodeScalars.contains("\u{0}") {
            throw IntakeRejection("invalid", "\(field) contains a NUL character (U+0000), which no text field may hold")
        }
        for (value, field) in [(request.shop, "shop"), (request.externalId, "external_id"), (request.returnId, "return_id")]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw IntakeRejection("invalid", "\(field) is empty")
        }
        guard !request.lines.isEmpty else { throw IntakeRejection("invalid", "the return names no lines") }
        for line in request.lines where line.quantity < 1 || line.quantity > IntakeLimits.quantity || line.sku.isEmpty {
            throw IntakeRejection(
                "invalid", "line \(line.sku.isEmpty ? "with no SKU" : line.sku): \(line.quantity) units (1 to \(IntakeLimits.quantity), with a SKU)")
        }
        guard let kind = ReturnKind(rawValue: request.kind ?? ReturnKind.return.rawValue), ReturnKind.requestable.contains(kind) else {
            throw IntakeRejection(
                "invalid", "kind '\(request.kind ?? "")' is not one of \(ReturnKind.requestable.map(\.rawValue).joined(separator: ", "))")
        }
        return (platform, request, kind)
    }

}
