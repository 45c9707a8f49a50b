import Foundation
import TestSupport
import Testing

/// The local runner's supervisor (deploy/local/supervise.sh) with a stand-in service: a
/// crash or a kill is restarted with back-off, logged with its exit status and counted; a
/// SIGTERM stops it for good.
@Suite(.timeLimit(.minutes(6))) struct SupervisorTests {
    static let script = ComposeFileTests.repo.appendingPathComponent("deploy/local/supervise.sh").path

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func aServiceThatCrashesOrIsKilledIsRestartedCountedAndLoggedWithItsExitStatus() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("erp-supervisor-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Fails twice with status 3, then runs until told to stop.
        let service = "\(directory)/service.sh"
        try """
        #!/usr/bin/env bash
        n=$(cat \(directory)/runs 2>/dev/null || echo 0); n=$((n + 1)); echo $n > \(directory)/runs
        if [ $n -le 2 ]; then exit 3; fi
        trap 'exit 0' TERM
        while :; do sleep 0.05; done
        """.write(toFile: service, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: service)

        // Its own process group, with SIGTERM neither blocked nor ignored (see ChildProcess);
        // whatever happens below, the group (supervisor and service) is killed at the end, so
        // no leftover keeps running or holds the test run's output open.
        let supervisor = try ChildProcess(
            "/bin/bash", [Self.script, "demo", directory, "\(directory)/demo.log", service],
            environment: ProcessInfo.processInfo.environment.merging(["ERP_SUPERVISOR_MIN_DELAY": "0.1"]) { $1 })
        defer { supervisor.signalGroup(SIGKILL) }

        let restarts = "\(directory)/demo.restarts"
        let third = try await eventually(within: 10) { Self.read(restarts).hasPrefix("2") && Self.read("\(directory)/runs").hasPrefix("3") }
        #expect(third, "two crashes, two restarts")
        let pid = try #require(Int32(Self.read("\(directory)/demo.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        // Killed once it runs the service's loop (not while bash is still starting it).
        let running = try await eventually(within: 10) { Self.read("/proc/\(pid)/cmdline").contains("service.sh") }
        #expect(running)
        kill(pid, SIGKILL)
        let fourth = try await eventually(within: 10) { Self.read(restarts).hasPrefix("3") && Self.read("\(directory)/runs").hasPrefix("4") }
        #expect(fourth, "a killed service is started again")

        supervisor.terminate()
        let stopped = try await eventually(within: 10) { !supervisor.isRunning }
        #expect(stopped)
        #expect(supervisor.terminationStatus == 0)
        let log = Self.read("\(directory)/supervisor.log")
        #expect(log.contains("exited unexpectedly with status 3; restart 1"), "\(log)")
        #expect(log.contains("exited unexpectedly with status 137; restart 3"), "\(log)")
        #expect(log.contains("stopped"), "\(log)")
        #expect(Self.read("\(directory)/runs").hasPrefix("4"), "not restarted after SIGTERM")
    }
}
