// swift-tools-version:6.0
import PackageDescription

// The engine's Swift code is built for portable x86-64; the hot loops that gain from AVX2 or
// AVX-512 live in CKernels, built for several instruction sets and chosen at run time.
let engineReleaseFlags = ["-Ounchecked"]

// Layer map (see README): prunelab -> PruneLabService -> {HTTPServer, PruneKit};
// PruneKit -> {CBLAS, CZlib, CKernels}; HTTPServer -> CZlib. PruneKit and HTTPServer never meet.
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
        // The engine's innermost loops, multiversioned (see include/CKernels.h). Optimised in debug
        // builds too, so tests of the engine do not crawl; no errno from sqrt, so it vectorises.
        .target(
            name: "CKernels", path: "Sources/CKernels",
            cSettings: [.unsafeFlags(["-O2", "-fno-math-errno"])]),
        .target(
            name: "PruneKit", dependencies: ["CBLAS", "CZlib", "CKernels"],
            swiftSettings: [.unsafeFlags(engineReleaseFlags, .when(configuration: .release))]),
        .target(name: "HTTPServer", dependencies: ["CZlib"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(name: "PruneLabService", dependencies: ["HTTPServer", "PruneKit"]),
        .executableTarget(
            name: "prunelab",
            dependencies: [
                "PruneKit", "PruneLabService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "PruneKitTests", dependencies: ["PruneKit", "CZlib", "CKernels"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "CZlib"],
                    swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "PruneLabServiceTests", dependencies: ["PruneLabService", "PruneKit", "HTTPServer"]),
    ],
    swiftLanguageModes: [.v5]
)
