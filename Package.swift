// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "erp",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "AMQP", targets: ["AMQP"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Messaging", targets: ["Messaging"]),
        .library(name: "ServiceKit", targets: ["ServiceKit"]),
        .library(name: "Ingest", targets: ["Ingest"]),
        .library(name: "SagaKit", targets: ["SagaKit"]),
        .executable(name: "erp-bench", targets: ["Benchmarks"]),
        .executable(name: "erp-sample", targets: ["SampleMain"]),
        .executable(name: "erpctl", targets: ["ErpctlMain"]),
        .executable(name: "erp-inventory", targets: ["InventoryMain"]),
        .executable(name: "erp-catalog", targets: ["CatalogMain"]),
        .executable(name: "erp-orders", targets: ["OrdersMain"]),
        .executable(name: "erp-finance", targets: ["FinanceMain"]),
        .executable(name: "erp-saga", targets: ["SagaMain"]),
        .executable(name: "erp-crm", targets: ["CRMMain"]),
        .executable(name: "erp-analytics", targets: ["AnalyticsMain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            path: "Shared/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .target(name: "ConnectionThread", path: "Shared/ConnectionThread"),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "ConnectionThread", .product(name: "Logging", package: "swift-log")],
            path: "Shared/Postgres"
        ),
        .target(
            name: "AMQP",
            dependencies: ["CRabbitMQ", "ConnectionThread", .product(name: "Logging", package: "swift-log")],
            path: "Shared/AMQP"
        ),
        .target(name: "Contracts", path: "Shared/Contracts"),
        .target(name: "SagaKit", dependencies: ["Contracts"], path: "Shared/SagaKit"),
        .target(
            name: "Messaging",
            dependencies: [
                "Contracts", "Postgres", "AMQP", "ConnectionThread",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Messaging"
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Messaging", "Postgres", "AMQP", "Contracts", "ConnectionThread",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/ServiceKit"
        ),
        .target(name: "Catalog", dependencies: ["ServiceKit", "Messaging", "Contracts", "Postgres"], path: "Services/Catalog/Catalog"),
        .target(name: "Inventory", dependencies: ["ServiceKit", "Messaging", "Contracts", "Postgres"], path: "Services/Inventory/Inventory"),
        .executableTarget(name: "InventoryMain", dependencies: ["Inventory", "ServiceKit"], path: "Services/Inventory/Main"),
        .target(
            name: "Ingest",
            dependencies: ["Contracts", "Messaging", "AMQP", "Postgres", "ServiceKit", .product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/Ingest"),
        .target(
            name: "Orders",
            dependencies: [
                "ServiceKit", "Messaging", "Contracts", "Postgres", "Ingest", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/Orders/Orders"),
        .target(
            name: "Saga",
            dependencies: [
                "ServiceKit", "Messaging", "Contracts", "Postgres", "SagaKit",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/Saga/Saga"),
        .executableTarget(name: "SagaMain", dependencies: ["Saga", "ServiceKit"], path: "Services/Saga/Main"),
        .target(name: "Finance", dependencies: ["ServiceKit", "Messaging", "Contracts", "Postgres"], path: "Services/Finance/Finance"),
        .executableTarget(name: "FinanceMain", dependencies: ["Finance", "ServiceKit"], path: "Services/Finance/Main"),
        .executableTarget(name: "OrdersMain", dependencies: ["Orders", "Ingest", "ServiceKit"], path: "Services/Orders/Main"),
        .executableTarget(name: "CatalogMain", dependencies: ["Catalog", "ServiceKit"], path: "Services/Catalog/Main"),
        .target(
            name: "CRM",
            dependencies: [
                "ServiceKit", "Messaging", "Contracts", "Postgres", "Ingest", "ConnectionThread", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Services/CRM/CRM"),
        .executableTarget(name: "CRMMain", dependencies: ["CRM", "Ingest", "ServiceKit"], path: "Services/CRM/Main"),
        .target(
            name: "Analytics",
            dependencies: [
                "Postgres", "ServiceKit", "Messaging", "Contracts", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Services/Analytics/Analytics"),
        .executableTarget(name: "AnalyticsMain", dependencies: ["Analytics", "ServiceKit"], path: "Services/Analytics/Main"),
        .target(name: "SampleService", dependencies: ["ServiceKit", "Messaging", "Contracts", "Postgres"], path: "Services/Sample/SampleService"),
        .executableTarget(name: "SampleMain", dependencies: ["SampleService", "ServiceKit", "Messaging"], path: "Services/Sample/Main"),
        .target(
            name: "Control",
            dependencies: [
                "ServiceKit", "Messaging", "Inventory", "Catalog", "Orders", "Finance", "Saga", "CRM", "Analytics", "Ingest", "Postgres", "AMQP",
                "Contracts", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Control/Control"
        ),
        .executableTarget(name: "ErpctlMain", dependencies: ["Control"], path: "Services/Control/Main"),
        .executableTarget(
            name: "Benchmarks",
            dependencies: [
                "Postgres", "AMQP", "Messaging", "Contracts", "SampleService", "Inventory", "Orders", "Ingest", "Finance", "Saga", "CRM",
                "ServiceKit", "Analytics", "Catalog", "Control",
                "TestSupport", "ServiceTestSupport", "Chaos", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Benchmarks",
            exclude: ["c", "run.sh"]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .target(
            name: "Chaos",
            dependencies: ["AMQP", "Postgres", "Messaging", "Contracts", "Ingest", "Analytics", "TestSupport", "ServiceTestSupport"],
            path: "Tests/Chaos"),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"], path: "Tests/PostgresTests"),
        .testTarget(name: "AMQPTests", dependencies: ["AMQP", "TestSupport"], path: "Tests/AMQPTests"),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts", "SampleService"], path: "Tests/ContractsTests"),
        .testTarget(name: "SagaKitTests", dependencies: ["SagaKit", "Contracts"], path: "Tests/SagaKitTests"),
        .testTarget(
            name: "AnalyticsTests", dependencies: ["Analytics", "Contracts", "Postgres", "ServiceKit", "TestSupport", "ServiceTestSupport"],
            path: "Tests/AnalyticsTests"),
        .testTarget(
            name: "ServiceKitTests",
            dependencies: [
                "ServiceKit", "SampleService", "TestSupport", "ServiceTestSupport", "ConnectionThread",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            path: "Tests/ServiceKitTests"
        ),
        .testTarget(
            name: "SagaTests",
            dependencies: [
                "Saga", "Orders", "Inventory", "Finance", "Contracts", "Messaging", "Postgres", "AMQP", "ServiceKit", "TestSupport",
                "ServiceTestSupport", "Control", "Analytics", "CRM", "Catalog",
            ],
            path: "Tests/SagaTests"),
        .testTarget(
            name: "FinanceTests",
            dependencies: ["Finance", "Contracts", "Messaging", "Postgres", "AMQP", "ServiceKit", "TestSupport", "ServiceTestSupport"],
            path: "Tests/FinanceTests"),
        .testTarget(
            name: "OrdersTests",
            dependencies: [
                "Orders", "Ingest", "Contracts", "Messaging", "Postgres", "AMQP", "ServiceKit", "TestSupport", "ServiceTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Tests/OrdersTests"),
        .testTarget(
            name: "CRMTests",
            dependencies: [
                "CRM", "Contracts", "Ingest", "Messaging", "Postgres", "AMQP", "ServiceKit", "Control", "TestSupport", "ServiceTestSupport",
            ],
            path: "Tests/CRMTests", exclude: ["mail_sinks.py"]),
        .testTarget(
            name: "CatalogTests", dependencies: ["Catalog", "Contracts", "Messaging", "Postgres", "AMQP", "TestSupport", "ServiceTestSupport"],
            path: "Tests/CatalogTests"),
        .target(
            name: "ServiceTestSupport",
            dependencies: [
                "ServiceKit", "Messaging", "Postgres", "AMQP", "TestSupport",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            path: "Tests/ServiceTestSupport"
        ),
        .testTarget(
            name: "InventoryTests",
            dependencies: ["Inventory", "Postgres", "Contracts", "Messaging", "ServiceKit", "TestSupport", "ServiceTestSupport"],
            path: "Tests/InventoryTests"),
        .testTarget(
            name: "ControlTests",
            dependencies: [
                "Control", "Analytics", "Messaging", "AMQP", "Inventory", "Catalog", "Orders", "Contracts", "Postgres", "ServiceKit", "TestSupport",
                "ServiceTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/ControlTests"),
        .testTarget(
            name: "MessagingTests",
            dependencies: [
                "Messaging", "SampleService", "TestSupport", "ServiceTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            path: "Tests/MessagingTests"
        ),
        .testTarget(
            name: "DeployTests",
            dependencies: ["TestSupport", "AMQP", "Postgres", "Messaging", .product(name: "Yams", package: "Yams")],
            path: "Tests/DeployTests"
        ),
    ]
)
