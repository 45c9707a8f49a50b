import Foundation

/// Crash points for fault tests. A failpoint named `relay-after-publish` fires when the
/// environment variable `ERP_FAILPOINT_RELAY_AFTER_PUBLISH` names a file that exists: the
/// file is removed (so the point fires once) and the process is killed with SIGKILL, as a
/// power cut would. With the variable unset (always, in production) a failpoint does nothing.
enum Failpoint {
    static func hit(_ name: String) {
        let variable = "ERP_FAILPOINT_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
        guard let path = ProcessInfo.processInfo.environment[variable], FileManager.default.fileExists(atPath: path) else { return }
        try? FileManager.default.removeItem(atPath: path)
        kill(getpid(), SIGKILL)
    }
}
