import Catalog
import ServiceKit

await ServiceMain.run(CatalogService.definition())
