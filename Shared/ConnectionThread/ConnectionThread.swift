import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A thread that owns one blocking C connection (libpq, librabbitmq) for its whole life.
///
/// Swift's cooperative thread pool has as many threads as cores, so a blocking C call made
/// there stalls every task. Each connection therefore lives on its own `ConnectionThread`:
/// callers hand it jobs with ``run(_:)`` and await the result. Between jobs the thread
/// either sleeps, or, when an idle handler is installed, waits in `poll(2)` on the
/// connection's socket together with the thread's wake-up pipe, so that incoming data
/// (AMQP deliveries, PostgreSQL notifications, heartbeats) is serviced without a job.
public final class ConnectionThread: TaskExecutor, @unchecked Sendable {
    /// Called on the thread whenever no job is queued. It must return promptly once
    /// `wakeFD` becomes readable (a job arrived) and should not block longer than its
    /// own timeout. Returning `false` uninstalls it.
    public typealias IdleHandler = (_ wakeFD: Int32) -> Bool

    public let name: String
    /// Guards `jobs`, `stopped` and the wake-up flags; the thread sleeps on it when it has
    /// no idle handler.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopped = false
    /// The thread is asleep on `condition`: a new job signals it.
    private var waitingOnCondition = false
    /// The thread is in (or about to enter) its idle handler's poll: a new job writes a byte
    /// to the wake pipe, once.
    private var pipeArmed = false
    private var pipeWritten = false
    private var idleHandler: IdleHandler?  // touched only on the thread
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// Set once by the thread itself before it runs anything.
    private let threadID = ThreadIdentity()

    /// Starts the thread. It runs until ``stop()`` is called.
    public init(name: String) {
        self.name = name
        var fds: [Int32] = [0, 0]
        let rc = pipe(&fds)
        precondition(rc == 0, "ConnectionThread \(name): pipe() failed: errno \(errno)")
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// True when called on this thread (for example from a task that prefers this thread
    /// as its executor).
    public var isCurrent: Bool { threadID.isCurrent }

    /// Runs `body` on this thread and returns its result to the awaiting task. Called on
    /// this thread already (a task running with this thread as its executor), it runs
    /// `body` at once, without a hand-over.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        if threadID.isCurrent { return try body() }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = enqueue {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            if !accepted { continuation.resume(throwing: ConnectionThreadStopped(name: name)) }
        }
    }

    /// Queues `body` to run on this thread without waiting for it. Returns false if the
    /// thread has stopped.
    @discardableResult
    public func submit(_ body: @escaping @Sendable () -> Void) -> Bool {
        enqueue(body)
    }

    /// Installs (or replaces) the idle handler. Call it from a job running on this thread.
    public func setIdleHandler(_ handler: IdleHandler?) {
        idleHandler = handler
    }

    /// Stops the thread after the jobs already queued have run. Jobs queued later are refused.
    public func stop() {
        condition.lock()
        let wasStopped = stopped
        stopped = true
        let writePipe = wakeUpLocked()
        condition.unlock()
        if !wasStopped && writePipe { writeWakeByte() }
    }

    private func enqueue(_ job: @escaping () -> Void) -> Bool {
        condition.lock()
        if stopped {
            condition.unlock()
            return false
        }
        jobs.append(job)
        let writePipe = wakeUpLocked()
        condition.unlock()
        if writePipe { writeWakeByte() }
        return true
    }

    /// With `condition` locked: wakes a thread asleep on the condition, or says that the
    /// pipe must be written because the thread is polling.
    private func wakeUpLocked() -> Bool {
        if waitingOnCondition {
            condition.signal()
            return false
        }
        if pipeArmed && !pipeWritten {
            pipeWritten = true
            return true
        }
        return false
    }

    private func writeWakeByte() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    /// Runs task jobs here: a task that prefers this executor
    /// (`withTaskExecutorPreference(thread)`) runs on this thread between its blocking calls,
    /// which then need no hand-over to and from Swift's cooperative pool.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        if !enqueue({ unowned.runSynchronously(on: executor) }) {
            // Stopped: run it elsewhere rather than lose the task.
            Task.detached { unowned.runSynchronously(on: executor) }
        }
    }

    private func loop() {
        threadID.set()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped && idleHandler == nil {
                waitingOnCondition = true
                condition.wait()
                waitingOnCondition = false
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            let isStopped = stopped
            if batch.isEmpty && !isStopped { pipeArmed = true }
            condition.unlock()
            for job in batch { job() }
            if !batch.isEmpty { continue }
            if isStopped { break }
            guard let handler = idleHandler else { continue }
            let keep = handler(wakeRead)
            condition.lock()
            pipeArmed = false
            let written = pipeWritten
            pipeWritten = false
            condition.unlock()
            if written { drainWakePipe() }
            if !keep { idleHandler = nil }
        }
        idleHandler = nil
    }
}

/// The pthread a ``ConnectionThread`` runs on, for "am I on it?" checks.
private final class ThreadIdentity: @unchecked Sendable {
    private let lock = NSLock()
    private var thread: pthread_t?

    func set() { lock.withLock { thread = pthread_self() } }

    var isCurrent: Bool {
        guard let thread = lock.withLock({ thread }) else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }
}

/// A job was handed to a ``ConnectionThread`` that had already stopped (its connection was closed).
public struct ConnectionThreadStopped: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "connection thread \(name) has stopped: the connection is closed" }
}
