import Messaging
import SampleService
import ServiceKit
import Foundation

// The sample service's executable. Besides the ERP_* settings every service reads, the
// sample takes ERP_SAMPLE_SCHEMA, ERP_SAMPLE_QUEUE and ERP_SAMPLE_EVENTS_EXCHANGE so that
// tests can run several instances side by side.
let environment = ProcessInfo.processInfo.environment
let schema = environment["ERP_SAMPLE_SCHEMA"] ?? "sample"
let queue = environment["ERP_SAMPLE_QUEUE"] ?? "sample.commands"
// A test's instance is sent its commands on its own queue (the default exchange); its
// binding, on amq.direct where nothing publishes tally commands, states what it takes.
let definition = SampleService.definition(
    schema: schema, queue: queue,
    bindings: environment["ERP_SAMPLE_QUEUE"] == nil
        ? SampleService.definition().queues[0].bindings : [QueueBinding(exchange: "amq.direct", routingKey: Tally.Add.type.rawValue)],
    eventsExchange: environment["ERP_SAMPLE_EVENTS_EXCHANGE"] ?? Exchanges.events)
await ServiceMain.run(definition)
