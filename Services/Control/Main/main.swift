import Control

await Erpctl.runMain()
