// swift-tools-version:6.0
// libFuzzer target over the tokenizer, the sentence splitter, request and Kafka message decoding — its own
// package so that the main build never sees a target without `main`. Run with `make fuzz`:
//   swift build --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer,address
import PackageDescription

let package = Package(
    name: "BertNERFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "BertNER", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "FuzzNER",
            dependencies: [
                .product(name: "BertNER", package: "BertNER"),
                .product(name: "NERServer", package: "BertNER"),
                .product(name: "NERStream", package: "BertNER"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ]
)
