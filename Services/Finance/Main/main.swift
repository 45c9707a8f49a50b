import Finance
import ServiceKit

await ServiceMain.run(FinanceService.definition())
