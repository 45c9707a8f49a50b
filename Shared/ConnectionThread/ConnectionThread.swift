import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A thread that owns one blocking C connection (libpq, librabbitmq) for its whole life.
///
/// Swift's cooperative thread pool has as many threads as cores, so a blocking C call made
/// there stalls every task. Each connection therefore lives on its own `ConnectionThread`,
/// which is the serial executor of the actor that wraps the connection
/// (`PostgresConnection`, `AMQPConnection`, `AMQPConsumer`, `AMQPPublisher`): the compiler
/// then sees to it that the C handle is touched only by that actor's code, which runs only
/// on this thread. It is also a task executor, so a task that prefers it
/// (`withTaskExecutorPreference`) runs between its statements on the same thread, without
/// a hand-over. Between jobs the thread either sleeps, or, when an idle handler is
/// installed, waits in `poll(2)` on the connection's socket together with the thread's
/// wake-up pipe, so that incoming data (AMQP deliveries, PostgreSQL notifications,
/// heartbeats) is serviced without a job.
public final class ConnectionThread: SerialExecutor, TaskExecutor, @unchecked Sendable {
    /// Called on the thread whenever no job is queued. It must return promptly once
    /// `wakeFD` becomes readable (a job arrived) and should not block longer than its
    /// own timeout. Returning `false` uninstalls it.
    public typealias IdleHandler = (_ wakeFD: Int32) -> Bool

    public let name: String
    /// Guards every variable below; the thread sleeps on it when it has no idle handler.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopped = false
    /// A thread runs the loop (false before the first start and once a stopped loop has
    /// drained its jobs; a job arriving then starts it again, see ``enqueue(_:)-(ExecutorJob)``).
    private var looping = false
    /// The thread is asleep on `condition`: a new job signals it.
    private var waitingOnCondition = false
    /// The thread is in (or about to enter) its idle handler's poll: a new job writes a byte
    /// to the wake pipe, once.
    private var pipeArmed = false
    private var pipeWritten = false
    private var idleHandler: IdleHandler?
    /// The pthread running the loop now.
    private var runner: pthread_t?
    private let wakeRead: Int32
    private let wakeWrite: Int32

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
        condition.lock()
        looping = true
        condition.unlock()
        startLoop()
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// True when called on this thread (for example from a task that prefers this thread
    /// as its executor, or from an actor isolated to it).
    public var isCurrent: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let runner else { return false }
        return pthread_equal(runner, pthread_self()) != 0
    }

    /// Queues `body` to run on this thread without waiting for it. Returns false if the
    /// thread has stopped.
    @discardableResult
    public func submit(_ body: @escaping @Sendable () -> Void) -> Bool {
        enqueue(body)
    }

    /// Installs (or replaces, or with nil removes) the idle handler. Call it on this thread.
    public func setIdleHandler(_ handler: IdleHandler?) {
        precondition(isCurrent, "the idle handler of \(name) is set from another thread")
        condition.lock()
        idleHandler = handler
        condition.unlock()
    }

    /// Stops the thread after the jobs already queued have run. Jobs queued later with
    /// ``submit(_:)`` are refused; jobs of the actors isolated to this thread
    /// still run here (see ``enqueue(_:)-(ExecutorJob)``).
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

    // MARK: - Executor

    /// Runs a job of an actor isolated to this thread, or of a task that prefers it, here.
    /// A job may arrive after ``stop()`` (an actor's `close` or `deinit` runs as a job, and a
    /// closed connection's methods still answer "closed"): it is run on this executor all
    /// the same, by a loop started again for it that ends once nothing is queued, so no
    /// actor code ever runs anywhere but on the executor it is isolated to.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let serial = asUnownedSerialExecutor()
        let task = asUnownedTaskExecutor()
        // Every job runs as isolated to this serial executor: the thread runs one job at a
        // time, so a task's code running here excludes the actors' code as theirs does.
        let run = { unowned.runSynchronously(isolatedTo: serial, taskExecutor: task) }
        condition.lock()
        jobs.append(run)
        let restart = stopped && !looping
        if restart { looping = true }
        let writePipe = restart ? false : wakeUpLocked()
        condition.unlock()
        if writePipe { writeWakeByte() }
        if restart { startLoop() }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func isSameExclusiveExecutionContext(other: ConnectionThread) -> Bool { other === self }

    /// For `assumeIsolated`: code called back on this thread outside a job (the idle
    /// handler) is isolated to the actors of this thread.
    public func checkIsolated() {
        precondition(isCurrent, "not on connection thread \(name)")
    }

    public func isIsolatingCurrentContext() -> Bool? { isCurrent }

    // MARK: - The loop

    private func startLoop() {
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func loop() {
        condition.lock()
        runner = pthread_self()
        condition.unlock()
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
            let handler = idleHandler
            if batch.isEmpty && isStopped {
                // Drained: a later actor job starts the loop again.
                idleHandler = nil
                looping = false
                runner = nil
                condition.unlock()
                return
            }
            if batch.isEmpty { pipeArmed = true }
            condition.unlock()
            for job in batch { job() }
            if !batch.isEmpty { continue }
            guard let handler else { continue }
            let keep = handler(wakeRead)
            condition.lock()
            pipeArmed = false
            let written = pipeWritten
            pipeWritten = false
            if !keep { idleHandler = nil }
            condition.unlock()
            if written { drainWakePipe() }
        }
    }
}
