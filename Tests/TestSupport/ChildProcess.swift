import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A program started by a test with `posix_spawn`, in a process group of its own, with
/// every descriptor of the test process but its standard streams closed.
///
/// Tests start programs with this instead of Foundation's `Process`. The test process
/// holds thousands of descriptors while many tests run at once (every connection has a
/// socket and a wake-up pipe), and `Process.run()` on Linux lists `/proc/self/fd` copying
/// 256 bytes of every entry's name, past the end of the directory buffer: with enough
/// descriptors that read crossed into an unmapped page and the whole test run died
/// ("Bad pointer dereference" in `Process.run()`, CI, 2026-12-01). Here the child closes
/// what it does not need itself (`posix_spawn_file_actions_addclosefrom_np`), and it
/// starts with no signal blocked or ignored (this process blocks SIGTERM and SIGINT for
/// swift-service-lifecycle, which a child would otherwise inherit).
public final class ChildProcess: Sendable {
    public let processIdentifier: pid_t
    /// The raw `waitpid` status once the child has been reaped.
    private let status = Mutex<Int32?>(nil)

    /// Starts `path` with `arguments`. `standardInput`, `standardOutput` and
    /// `standardError` are descriptors of this process for the child's 0, 1 and 2 (nil:
    /// /dev/null). Without `environment` the child gets this process's environment.
    public init(
        _ path: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        standardInput: Int32? = nil, standardOutput: Int32? = nil, standardError: Int32? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let streams = [standardInput, standardOutput, standardError]
        for (target, source) in streams.enumerated() {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, Int32(target))
            } else {
                posix_spawn_file_actions_addopen(&actions, Int32(target), "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        guard Self.addCloseFrom(&actions, 3) == 0 else {
            throw ChildProcessError(path: path, reason: "posix_spawn_file_actions_addclosefrom_np failed: errno \(errno)")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw ChildProcessError(path: path, reason: String(cString: strerror(result)))
        }
        processIdentifier = pid
    }

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module
    /// does not declare.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("ChildProcess needs glibc 2.34 or later (posix_spawn_file_actions_addclosefrom_np)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Reaps the child if it has ended; never blocks.
    private func poll() -> Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            if waitpid(processIdentifier, &raw, WNOHANG) == processIdentifier { status = raw }
            return status
        }
    }

    public var isRunning: Bool { poll() == nil }

    /// Waits for the child to end, on this thread (for threads of their own).
    public func waitUntilExit() {
        while poll() == nil { usleep(10_000) }
    }

    /// Waits for the child to end without holding a cooperative thread.
    public func exited() async {
        while poll() == nil { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// The exit status, or the number of the signal that ended the child (see
    /// ``terminatedBySignal``). Only once it has ended.
    public var terminationStatus: Int32 {
        guard let raw = poll() else { preconditionFailure("pid \(processIdentifier) is still running") }
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
    }

    public var terminatedBySignal: Bool {
        guard let raw = poll() else { return false }
        return raw & 0x7f != 0
    }

    /// Sends `signal` to the child (no effect once it has been reaped).
    public func signal(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    public func terminate() { signal(SIGTERM) }

    /// Sends `signal` to every process of the child's group: the child and whatever it
    /// started and left behind.
    public func signalGroup(_ signal: Int32) {
        kill(-processIdentifier, signal)
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "could not start \(path): \(reason)" }
}

/// A pipe for a child's standard stream (the child gets its end through dup2 and has
/// every other descriptor closed).
public func makePipe() throws -> (read: FileHandle, write: FileHandle) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw ChildProcessError(path: "pipe", reason: "errno \(errno)") }
    return (FileHandle(fileDescriptor: fds[0], closeOnDealloc: true), FileHandle(fileDescriptor: fds[1], closeOnDealloc: true))
}
