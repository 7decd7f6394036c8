// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "BertNER",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "BertNER", targets: ["BertNER"]),
        .library(name: "NERServing", targets: ["NERServing"]),
        .library(name: "NERServer", targets: ["NERServer"]),
        .library(name: "NERStream", targets: ["NERStream"]),
        .executable(name: "ner", targets: ["ner"]),
        .executable(name: "kafka-mock-cluster", targets: ["kafka-mock-cluster"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // Hummingbird's own dependencies, named because NERServer adds a channel handler.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.25.0"),
        // `make docs`: the DocC catalog in Sources/BertNER/BertNER.docc.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // oneDNN (Debian libdnnl-dev ships no pkg-config file): the int8 and bf16 products.
        .systemLibrary(
            name: "CDNNL",
            providers: [.apt(["libdnnl-dev"])]
        ),
        // librdkafka (Debian librdkafka-dev): the Kafka client of `ner stream`, and its mock cluster.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "BertNER",
            dependencies: ["COpenBLAS", "CDNNL"]
        ),
        // The serving core both adapters stand on: loading and warm-up, the request queue, the batch
        // policy and the inference loop, readiness, the server-wide dictionary, entity JSON and the
        // shared metrics, and the engine's option group (hence ArgumentParser). No HTTP and no Kafka,
        // so that each adapter pulls in only its own transport.
        .target(
            name: "NERServing",
            dependencies: [
                "BertNER",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The HTTP adapter over the serving core. Kept out of BertNER so that embedding the engine
        // does not pull in Hummingbird and SwiftNIO.
        .target(
            name: "NERServer",
            dependencies: [
                "BertNER", "NERServing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        // The Kafka adapter over the serving core: kept out of BertNER and NERServer so that
        // embedding the engine or the HTTP service does not pull in librdkafka. Its probe port is
        // HTTP too (Hummingbird), but it shares nothing with NERServer beyond the core.
        .target(
            name: "NERStream",
            dependencies: [
                "BertNER", "NERServing", "CRdKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A Kafka-protocol broker for tests and `make test-stream`: librdkafka's mock cluster in a
        // process of its own, driven over stdin (see Tests/integration/stream.py).
        .executableTarget(
            name: "kafka-mock-cluster",
            dependencies: ["NERStream"]
        ),
        .executableTarget(
            name: "ner",
            dependencies: [
                "BertNER",
                // `ner bench` times plain `cblas_sgemm` as its yardstick (SGEMMReference).
                "COpenBLAS",
                "NERServing",
                "NERServer",
                "NERStream",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The Swift examples of README.md and the DocC article, verbatim, as programs an embedder
        // would write (no product: they are not part of the package's interface). ExamplesTests
        // checks that the documents' examples are these files, and runs them.
        .executableTarget(name: "readme-example", dependencies: ["BertNER"], path: "Examples/readme-example"),
        .executableTarget(name: "getting-started", dependencies: ["BertNER"], path: "Examples/getting-started"),
        .testTarget(
            name: "BertNERTests",
            // The executables are listed so that the CLI and example tests find fresh binaries next to the tests.
            dependencies: ["BertNER", "ner", "readme-example", "getting-started"]
        ),
        .testTarget(
            name: "NERStreamTests",
            dependencies: [
                "NERStream", "NERServing", "BertNER", "CRdKafka", "ner", "kafka-mock-cluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NERServerTests",
            dependencies: [
                "NERServer", "NERServing", "BertNER", "ner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "NERServingTests",
            dependencies: ["NERServing", "BertNER"]
        ),
    ]
)
