// swift-tools-version: 6.1
// The engine's micro-benchmarks (ordo-one/benchmark): `make bench` or, from this folder,
// `swift package --disable-sandbox benchmark`. A package of its own so the library's users and
// `make test` never build the benchmark tooling. The side-by-side comparison with ONNX Runtime
// and PyTorch lives in compare/ (`make bench-compare`).
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, and a clone's folder name is anyone's guess.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "BertNERBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BertNER", package: rootPackage),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
