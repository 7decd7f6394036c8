// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "BertNER",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "BertNER", targets: ["BertNER"]),
        .executable(name: "ner", targets: ["ner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "BertNER",
            dependencies: ["COpenBLAS"]
        ),
        .executableTarget(
            name: "ner",
            dependencies: [
                "BertNER",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "BertNERTests",
            // `ner` is listed so that the CLI tests find a freshly built binary next to the tests.
            dependencies: ["BertNER", "ner"]
        ),
    ]
)
