import Foundation
import Postgres
import Testing

@Suite(.timeLimit(.minutes(6))) struct PostgresNotificationTests {
    @Test func aNotifyReachesTheListenerWithItsPayload() async throws {
        let channel = TestDatabase.uniqueName("outbox")
        let notifications = try await PostgresNotifications(configuration: TestDatabase.configuration, channels: [channel])
        let sender = try await TestDatabase.connect()
        try await sender.notify(channel: channel, payload: "row 1")
        try await sender.notify(channel: channel, payload: "row 2")
        var received: [PostgresNotification] = []
        for try await notification in notifications {
            received.append(notification)
            if received.count == 2 { break }
        }
        #expect(received.map(\.payload) == ["row 1", "row 2"])
        let allOnTheListenedChannel = received.allSatisfy { $0.channel == channel }
        #expect(allOnTheListenedChannel)
        await notifications.close()
        await sender.close()
    }

    @Test func aNotificationOnAnotherChannelIsNotDelivered() async throws {
        let channel = TestDatabase.uniqueName("mine")
        let notifications = try await PostgresNotifications(configuration: TestDatabase.configuration, channels: [channel])
        let sender = try await TestDatabase.connect()
        try await sender.notify(channel: TestDatabase.uniqueName("other"), payload: "not for me")
        try await sender.notify(channel: channel, payload: "for me")
        var iterator = notifications.makeAsyncIterator()
        #expect(try await iterator.next()?.payload == "for me")
        await notifications.close()
        await sender.close()
    }

    @Test func theSequenceFailsWhenTheListeningConnectionIsKilled() async throws {
        let channel = TestDatabase.uniqueName("killed")
        let notifications = try await PostgresNotifications(configuration: TestDatabase.configuration, channels: [channel])
        let admin = try await TestDatabase.connect()
        try await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = \("LISTEN \"\(channel)\"")")
        await #expect(throws: PostgresError.self) {
            for try await _ in notifications {}
        }
        await admin.close()
    }
}
