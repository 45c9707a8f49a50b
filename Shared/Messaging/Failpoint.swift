import Foundation

/// Crash points for fault tests. A failpoint named `relay-after-publish` fires when the
/// environment variable `ERP_FAILPOINT_RELAY_AFTER_PUBLISH` names a file that exists: the
/// file is removed (so the point fires once) and the process is killed with SIGKILL, as a
/// power cut would. With the variable unset (always, in production) a failpoint does nothing.
enum Failpoint {
    /// The failpoint variables, read once: the environment does not change while running.
    private static let configured = ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("ERP_FAILPOINT_") }

    static func hit(_ name: String) {
        guard !configured.isEmpty else { return }
        let variable = "ERP_FAILPOINT_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
        guard let path = configured[variable], FileManager.default.fileExists(atPath: path) else { return }
        try? FileManager.default.removeItem(atPath: path)
        kill(getpid(), SIGKILL)
    }
}
