import Analytics
import ServiceKit

await ServiceMain.run(AnalyticsService.definition())
