import Saga
import ServiceKit
import Testing

/// The coordinator's settings from the environment: defaults, and a clear error for a bad value.
@Suite struct SagaSettingsTests {
    @Test func unsetVariablesGiveTheDefaults() throws {
        let settings = try SagaService.Settings(environment: [:])
        #expect(settings.paymentTimeout == .seconds(1800) && settings.mergeWindow == .zero && settings.backorders == .hold)
        #expect(settings.shipBy == .seconds(48 * 3600) && settings.backorderPartial == .wait)
        let chosen = try SagaService.Settings(environment: ["ERP_SHIP_BY_HOURS": "24", "ERP_BACKORDER_PARTIAL": "ship"])
        #expect(chosen.shipBy == .seconds(24 * 3600) && chosen.backorderPartial == .ship)
    }

    @Test(arguments: [
        ("ERP_SAGA_PAYMENT_TIMEOUT_SECONDS", "soon"), ("ERP_SAGA_PAYMENT_TIMEOUT_SECONDS", "0"), ("ERP_SAGA_RETURN_GOODS_DAYS", "-1"),
        ("ERP_SAGA_DELIVERY_DAYS", "1.5"), ("ERP_MERGE_WINDOW_SECONDS", "-5"), ("ERP_SAGA_BACKORDERS", "drop"),
        ("ERP_SHIP_BY_HOURS", "0"), ("ERP_SHIP_BY_HOURS", "two days"), ("ERP_BACKORDER_PARTIAL", "split"),
    ])
    func aBadValueIsRefusedNamingTheVariable(variable: String, value: String) {
        do {
            _ = try SagaService.Settings(environment: [variable: value])
            Issue.record("\(variable)=\(value) was taken")
        } catch let error as ConfigurationError {
            #expect(error.variable == variable && error.value == value, "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
