// swift-tools-version: 6.2
// Benchmarks live in their own package so the benchmark tooling (and its allocator
// interposer) stays out of cilo's own build. Run: swift package benchmark
import PackageDescription

let package = Package(
    name: "cilo-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "cilo", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CloneBenchmarks",
            dependencies: [
                .product(name: "CiloCore", package: "cilo"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CloneBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The simplest loop of the system calls a clone or an extent-reading du cannot avoid:
        // the floor scripts/bench-clone and scripts/bench-du print beside cilo's figures.
        .executableTarget(
            name: "KernelFloor",
            dependencies: [.product(name: "CiloCore", package: "cilo")],
            path: "Benchmarks/KernelFloor"
        ),
    ]
)
