import Analytics
import Control
import Crypto
import Foundation
import Messaging
import Postgres
import Testing

/// A migration is frozen once it has shipped: the migrator refuses to start a service whose
/// applied migration's text changed, so no migration may depend on anything but its own
/// text (a Swift constant, a seed list, a rate table). Each is kept here with its checksum
/// (SHA-256 of its SQL, as the migrator records it); a change is a new migration.
/// `ERP_PRINT_MIGRATION_CHECKSUMS=1` prints the table (for a migration being added).
@Suite struct FrozenMigrationsTests {
    static func checksum(_ sql: String) -> String { SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined() }

    static var current: [String: String] {
        var sums: [String: String] = [:]
        for definition in ServiceCatalog.all {
            for migration in definition.migrations { sums["\(definition.name)/\(migration.version)"] = checksum(migration.sql) }
        }
        for migration in AnalyticsMigrations.all { sums["analytics/\(migration.version)"] = checksum(migration.sql) }
        for migration in AnalyticsViewMigrations.all() { sums["analytics-views/\(migration.version)"] = checksum(migration.sql) }
        // The same text in every schema (checked below), so recorded once.
        for migration in MessagingSchema.migrations(schema: "any") { sums["messaging/\(migration.version)"] = checksum(migration.sql) }
        return sums
    }

    @Test func everyMigrationIsStillTheTextItShippedWith() {
        let current = Self.current
        if ProcessInfo.processInfo.environment["ERP_PRINT_MIGRATION_CHECKSUMS"] != nil {
            for (key, sum) in current.sorted(by: { $0.key < $1.key }) { print("        \"\(key)\": \"\(sum)\",") }
        }
        for (key, sum) in Self.frozen.sorted(by: { $0.key < $1.key }) {
            #expect(current[key] == sum, "migration \(key) changed after it shipped: write a new migration instead")
        }
        let unrecorded = Set(current.keys).subtracting(Self.frozen.keys).sorted()
        #expect(unrecorded.isEmpty, "record the checksums of new migrations here: \(unrecorded)")
    }

    @Test func aMigrationsTextDoesNotDependOnTheSchemaItIsAppliedTo() {
        let texts = ServiceCatalog.all.map { definition in MessagingSchema.migrations(schema: definition.schema).map(\.sql) }
        let distinct = Set(texts)
        #expect(distinct.count == 1, "the messaging migrations differ between schemas")
    }

    /// Messaging migration 1 once wrote its schema's notify channel into its text; schemas
    /// migrated then recorded these checksums, which the migrator still accepts through
    /// `supersedes`.
    @Test func schemasMigratedWithTheFirstMessagingTextStillStart() {
        for definition in ServiceCatalog.all {
            guard let recorded = Self.firstMessagingText[definition.name] else { continue }
            let earlier = MessagingSchema.migrations(schema: definition.schema)[0].supersedes.map(Self.checksum)
            #expect(earlier.contains(recorded), "\(definition.name): the first text of messaging migration 1 is not accepted")
        }
    }

    static let firstMessagingText: [String: String] = [
        "catalog": "fd4f8a7a35a607ba97b23d99863016cc2c1efbf7ebf28d2a3c75d952e8ddbcc4",
        "finance": "4fbbdf71318daefaeb57a3eaa8a8f00ca90eebb20c7918c8d5472909d77f8abb",
        "inventory": "85c221deb51dd16545f46f5f9b580b0ceef1c5e3850d5232486f585e6d2aff23",
        "orders": "d760f6a3a03a8d3a88f7dfe8cfcb1db69411fbbbfbd4af73d40e944dc28f24a1",
        "saga": "cefe58d303afb4f7403bff2171123406c7b4c2b30f5d06840e90fe9f628ff1ff",
    ]

    static let frozen: [String: String] = [
        "analytics/1": "57d1c89deeee9d7b5f217ce49af53158b94495549c4bc19c473f50f952cbb01e",
        "analytics-views/1": "673798caa9c507093183b15c99906c5dbc7d4d3b8625c2c1fcefb9c4699e3b1c",
        "analytics-views/2": "606f717db95ad46295460fcb5a850da510a0f33fa86b84455920e5e0399f7878",
        "analytics-views/3": "f0d3e118583b3c9abc894ac7dac0ce82b57404a587df793c34d6c8aa0c4eefba",
        "analytics-views/4": "fc8c4587505b130b4cf55c153cc13be495dea678d04f0dd559f08683356fe4bc",
        "analytics-views/5": "cc853cd25ff61425ab6d8f3d077164023d6543a8ed7d5f447921dc790811bcbd",
        "analytics-views/6": "8ba3abc71c1cb5161fe79b6bdec781558edd9950768619b1025f3601ac2d4005",
        "analytics-views/7": "c47420d7eed832de659776642b164f9d1500fdb7a2929e6ea95c0611cc334b24",
        "analytics-views/8": "1b41aa23d9cf2ce035c6b73392d5072b91cc2aac8f30c319be8232140898eaa2",
        "analytics-views/9": "491a7af0755d0b36a52d3ba8e1cc5e3cc71420dc41738040fea000ed0412cf7f",
        "analytics-views/10": "e71857c2b4054e31cc5061b391ad74d44dfa5908b520c6ab3dc6cbefb95699c9",
        "analytics/6": "940eceb9fc06b9a6d334a988d4890354665430da0e12ac2897503caaeea630b2",
        "analytics/7": "3e1d0a18f57945c2d58adfef9e8b03636351fcc1055e33da374d2026dfa35642",
        "analytics/8": "a907e90548f9319c67e399fa0c4f176e58fa4354b0dc89afc4f52f93a053e4b9",
        "analytics/5": "a57b8982fe03636d73510fe21b05035a79ee8af8d788f9267aaaf7d4230a6364",
        "analytics/4": "30bc3369ecd9246421638900b6b4f460019ae6433774b4e8c9a65080afe0503a",
        "analytics/3": "f7a2a490e052862c32bc09ca96dc1ee1aad7dedfc9cbd81ef3b7543c12ae09a9",
        "analytics/2": "42a90c899da0eb98b35e70e5f9f6e060a8c977bf8712ecf968b619717b8ad27c",
        "crm/1": "8055097782a007358bed23f0c1242dc9bd283cb1f2af8d51541935d6d984c6ca",
        "crm/2": "9e73f02e8c647750443f1e414727d1e15e354d149cee34a0c4af02a2ee5d0611",
        "crm/3": "edbfee03011de855e4c3ea6f2c8e6cb833447b48537b2b131a43372e3b0dcecd",
        "crm/4": "2dd770f1630e348c90283bebc063ee9e281b4c24191b106053572fa86f9299ae",
        "crm/5": "b7583c5233146fe4f0b1199ea52b4780e01aa7086756b838273c66d0d9ad8938",
        "crm/6": "a74c3532189063a85684b228fdc696dce9ba211993a0d7bff06f26c45f7ca074",
        "crm/7": "27ddf66d7e0bd8ab2f6afb09914051e9451d0785e280b62aa8f4b3dfdabb8513",
        "crm/8": "04c8ff40c91c36f972dcf504c1745a1ec21ba81f97603a598c2ab3db724d6d69",
        "crm/9": "8f45a9a52d8245a6cbd25688830b52b88ccf5cd1f7ff4b02ad11987a3d91085a",
        "crm/10": "eff562035804af02635367e5c534758ad0925efb8db62a48cc22e1774c540d25",
        "crm/11": "b85302d535cdf9e609f2966eccfd2f8ca41eb99b5a928e1e3c4338a53d3dcc92",
        "crm/12": "db57bf93639adc99bd61f6d2b05bb4a2e318479785e58f16c44cb063a76a67e5",
        "crm/13": "c5823db6f0bf34105af26193333ff03116d3698412fdfb2c4438e485439bdad4",
        "crm/14": "55034664b2fe3ad07c337941c05f7c902e1b30135c237eadf9fd2c37cdfa7921",
        "messaging/1": "39818569d3fd1b11ed8343a547fd88547ebac63862ac42bb2da018427da34e04",
        "messaging/2": "d75b36dc97570ebe11ca453a49917b204fca694b3fd5206589d4940c22a2d3f4",
        "messaging/3": "5d3af03f69659529c395efd6807a34475089ce412e15d220fe54cdd5877f6958",
        "messaging/4": "a537e8e508f0b599a68e95b665c7bf1d25091d31a923f8b5eec4b35ddc4b0f2d",
        "catalog/1": "80449798f8e520a3372f54aad15cc0c044428c747950a191a19c098e937225f7",
        "catalog/2": "3a77881893ab8604968cd74a5b30e2cc7cce63bb602821642566b6c5adc665de",
        "finance/1": "d20db2bc43d3ee86e21f21d6361b022c3b1cab35029b86551a68ddc17fd109d5",
        "finance/2": "d874362083bef2222e3a9d5d0ff65ee6b8b5a82d4e7080dade74b0ed249b87e1",
        "finance/3": "3b8dfb0a9d434a35f9d16d10daac064655ab028f435a63c5d3f18244508cd119",
        "finance/4": "e72b0e3648bf51328eb99d85472d105c80d5bfc98726774b7c1bb321486a4557",
        "finance/5": "d2b2346954f1a55693ba29e9b0606ea588bfa50655dc06cf41cab57222a3d81f",
        "finance/6": "aea35cc65a69a4f78a31ac6639111ac05aacbfd639cdfbe1a5bf61c25cb7e29e",
        "finance/7": "40f4a8f3b263664e5fb0d672b7bc7699ba1906c2b8b1490b6de3b7fc3f161a60",
        "finance/8": "def785edc5869305a2cc3c61ddb3cdea9f5ba30c958dbdafea26a21be2c5f525",
        "inventory/1": "25f243121111347d880ecc85ebf214d1f0ca14a5e6ac2aef167b703c8a613315",
        "inventory/2": "59a0001ee98066e05523172a1e3d3ae9bc739a8453188876ff329da2f6491b3b",
        "inventory/3": "0044fad72fe315eced4df9936cc662289d84644dfc796b4977b727be1947f7b1",
        "inventory/4": "1c18a30c5026d4232babed623d8a0fdfad98347a0ba44f9914cbd40ce726f223",
        "inventory/5": "9ce8056c0efee68077338fb310b796fabdf6f94c2474d4da482044a6026f2229",
        "inventory/6": "c7ebc34747bdc902a581db211ccd388c811dcdd30170b250f31b009efb80289e",
        "inventory/7": "afff2b2f2ca876ba8aa8d189fbd05c17b68a04b174bf6c559b736ff27f82084f",
        "inventory/8": "e79eb34eea50788766fa8f050b57385b987c68880391a4d3cbea883baf54aa8f",
        "orders/1": "bcaf004e494a83546b0dad8ab1e2a848caf0e0e0959aa708b5b01ead2ff19e0f",
        "orders/10": "fcba1b4bca3e6bc76f06f505e1d4f78fcf2745689af162744b247517047d199e",
        "orders/11": "592ba59561f4eee6e57e3849b60a00e8b9b9567e444af087e0b5f6bb4279279a",
        "orders/12": "bad4cabb9de57bd19f65979e4bbad1b2b848721fa4b3b50013590b0a2c1f4904",
        "orders/13": "4d48a208a9ad486c5ccf18aacbede37837e79ac3489128b126a760b67598c419",
        "orders/14": "55034664b2fe3ad07c337941c05f7c902e1b30135c237eadf9fd2c37cdfa7921",
        "orders/2": "8fa56f9f00fec1a96345469a1285134757bd7601f090ea4002b93ab1f4aae316",
        "orders/3": "5f372a92b961bc6a0c2c04c7e3db9f646fcb3f89bede3c8a5ec15be08907314b",
        "orders/4": "b76116977860c4e9f110482bc40a0f07974308223315896c9738d3add3177f81",
        "orders/5": "05b47969cfd8853c160d9cffa2b8d245dc87bc701c884ab077f07e620fb5d2eb",
        "orders/6": "79e49f768894d72edddcf61f9b4c4edddf81e652be71a972ae82f17e441096bd",
        "orders/7": "cc4b25bc9fcc7584a679d239183f99dcc1dcba13a632264d8cd7b25fc98b1339",
        "orders/8": "2268fa441d81543f65c23c69c63ab8c4428c374d19c436958022175d807b10d2",
        "orders/9": "d63464247e3132fcffbd2ab205d2003589b085c714d11576c70b8d59dbd12b37",
        "saga/1": "16ee6df1160b14d3dc0da20db855daec2d9fddda84b58ad343706a6b99fe70e5",
        "saga/2": "20906a76bf2f21f9b701e3724f8b3cc9f60d1596dc7693bb3b17c2a3c2d67a9b",
        "saga/3": "51ee19a2b74cb6423cc8dbbf65069dc068e778022e50c23e8fc7bb11bf10afd8",
        "saga/4": "75d4f3f6bc0bcc37d28ef627916acb8b2ad040b95a1766b93c8d465031707d05",
        "saga/5": "3302d31a178c358af5c9c810b1258013eba2e20983b8052f30838f84e4f43272",
        "saga/6": "0ffdee6f979c0754977b85b93bd9b4f9016b1668141d4253fe611218a3aceed2",
        "saga/7": "74e3b6c49e5583e6ab434449060c1302bcb549bb49829ee2d07ddb634a3fb862",
        "saga/8": "f3d6cd858fb24de149ca453f85114cbd1c2a4206590d41a901a5353bba743401",
        "saga/9": "c7a5e1c7fbedfc5fa119c8751c95c9748b28b6ad0fea3b8977349215e3b9865b",
        "saga/10": "c1e4e15e0b8b50d76a2dbbf7e2be236bb194f9f1bf3a2b1c983c9e7d1150880d",
    ]
}
