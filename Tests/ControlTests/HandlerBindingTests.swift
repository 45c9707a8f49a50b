import Contracts
import Control
import Messaging
import ServiceKit
import Testing

/// A handler never waits for messages no queue brings: every production service binds what
/// it registers, and a host refuses a definition that does not.
struct HandlerBindingTests {
    @Test func everyHandlerOfEveryServiceHasABindingThatBringsItsMessages() {
        for definition in ServiceCatalog.all {
            let unbound = definition.unboundHandlers
            #expect(unbound.isEmpty, "\(definition.name): \(unbound)")
        }
    }

    @Test func aHandlerWithoutABindingIsNamed() {
        struct Orphan: Message, Equatable {
            static let type: MessageType = "tests.orphan.v1"
        }
        var handlers = MessageHandlers()
        handlers.on(Orphan.self) { _, _ in }
        handlers.on(OrderEvent.StatusChanged.self) { _, _ in }
        let definition = ServiceDefinition(
            name: "t", schema: "t", defaultHTTPPort: 0, migrations: [],
            queues: [
                ServiceQueue(name: "t.events", bindings: [QueueBinding(exchange: "e", routingKey: OrderEvent.StatusChanged.routingKey(to: .paid))])
            ],
            handlers: handlers)
        #expect(definition.unboundHandlers == [Orphan.type], "a status change bound by one of its keys counts as bound")
    }

    @Test func aBindingOfTheBareTypeDoesNotBringAMessagePublishedUnderALongerKey() {
        var handlers = MessageHandlers()
        handlers.on(OrderEvent.StatusChanged.self) { _, _ in }
        func definition(_ key: String) -> ServiceDefinition {
            ServiceDefinition(
                name: "t", schema: "t", defaultHTTPPort: 0, migrations: [],
                queues: [ServiceQueue(name: "t.events", bindings: [QueueBinding(exchange: "e", routingKey: key)])], handlers: handlers)
        }
        #expect(definition(OrderEvent.StatusChanged.type.rawValue).unboundHandlers == [OrderEvent.StatusChanged.type])
        #expect(definition("\(OrderEvent.StatusChanged.type.rawValue).#").unboundHandlers.isEmpty)
        let shipped = OrderEvent.StatusChanged(order: 1, from: .allocated, to: .shipped, reason: "parcel", actor: "t", total: .zero(.cny))
        #expect(TopicPattern.matches("\(OrderEvent.StatusChanged.type.rawValue).#", shipped.routingKey))
    }

    @Test func topicPatternsMatchAsTheBrokerDoes() {
        #expect(TopicPattern.matches("orders.#", "orders.change_line.v1"))
        #expect(TopicPattern.matches("#", "a.b"))
        #expect(TopicPattern.matches("a.#.d", "a.d"))
        #expect(TopicPattern.matches("a.*.c", "a.b.c"))
        #expect(!TopicPattern.matches("a.*.c", "a.c"))
        #expect(!TopicPattern.matches("a.*", "a.b.c"))
        #expect(!TopicPattern.matches("orders.order.placed.v1", "orders.order.placed.v10"))
    }
}

extension HandlerBindingTests {
    @Test func aPatternMayMatchKeysThatGoOnAfterAPrefix() {
        #expect(TopicPattern.matches("orders.order.status_changed.v1.*.paid", prefix: "orders.order.status_changed.v1"))
        #expect(TopicPattern.matches("orders.#", prefix: "orders.change_line.v1"))
        #expect(!TopicPattern.matches("orders.order.placed.v1", prefix: "orders.order.changed.v1"))
        #expect(!TopicPattern.matches("saga.#", prefix: "orders.order.placed.v1"))
    }
}
