import ServiceKit

/// The time the coordinator lives by: when a saga's step times out (its `deadline`), and
/// how long its timer sleeps between looks for due deadlines (ServiceKit's ``DeadlineClock``).
public typealias SagaClock = DeadlineClock
public typealias SystemSagaClock = SystemDeadlineClock
/// Tests move it past a deadline instead of waiting for it.
public typealias ManualSagaClock = ManualDeadlineClock
