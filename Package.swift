// swift-tools-version:6.0
import Foundation
import PackageDescription

// Opt-in for release builds: `PRUNELAB_TARGET_CPU=native` (or `haswell`, `skylake-avx512`, ...)
// compiles the engine for that CPU, so the sparse kernels and the optimizer use AVX2/AVX-512.
// Such a binary runs only on CPUs with those features: the default stays portable x86-64.
let engineTargetCPU = ProcessInfo.processInfo.environment["PRUNELAB_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 }
let engineReleaseFlags = ["-Ounchecked"] + (engineTargetCPU.map { ["-target-cpu", $0] } ?? [])

// Layer map (see README): prunelab -> PruneLabService -> {HTTPServer, PruneKit};
// PruneKit -> {CBLAS, CZlib}; HTTPServer -> CZlib. PruneKit and HTTPServer never meet.
let package = Package(
    name: "PruneLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "prunelab", targets: ["prunelab"]),
        .library(name: "PruneKit", targets: ["PruneKit"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["libz-dev"])]),
        .target(
            name: "PruneKit", dependencies: ["CBLAS", "CZlib"],
            swiftSettings: [.unsafeFlags(engineReleaseFlags, .when(configuration: .release))]),
        .target(name: "HTTPServer", dependencies: ["CZlib"]),
        .target(name: "PruneLabService", dependencies: ["HTTPServer", "PruneKit"]),
        .executableTarget(
            name: "prunelab",
            dependencies: [
                "PruneKit", "PruneLabService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "PruneKitTests", dependencies: ["PruneKit", "CZlib"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "CZlib"]),
        .testTarget(name: "PruneLabServiceTests", dependencies: ["PruneLabService", "PruneKit", "HTTPServer"]),
    ],
    swiftLanguageModes: [.v5]
)
