// swift-tools-version:6.0
import PackageDescription

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
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
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
