// swift-tools-version:6.0
import PackageDescription

// The engine's Swift code is built for portable x86-64; the hot loops that gain from AVX2 or
// AVX-512 live in CKernels, built for several instruction sets and chosen at run time.
let engineReleaseFlags = ["-Ounchecked"]

// Layer map (see README): prunelab -> PruneLabService -> {HTTPServer, PruneKit};
// PruneKit -> {CBLAS, CZlib, CKernels, CDigest}; HTTPServer -> CZlib; PruneLabService -> CProcess;
// JobStoreKit -> {PruneKit, GRDB} (not yet used by the service); JobStorePostgres -> {JobStoreKit,
// PostgresNIO}, its own product so `--product prunelab` never builds SwiftNIO. PruneKit and HTTPServer never meet.
let package = Package(
    name: "PruneLab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "prunelab", targets: ["prunelab"]),
        .library(name: "PruneKit", targets: ["PruneKit"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "JobStoreKit", targets: ["JobStoreKit"]),
        .library(name: "JobStorePostgres", targets: ["JobStorePostgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
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
            name: "PruneKit", dependencies: ["CBLAS", "CZlib", "CKernels", "CDigest"],
            swiftSettings: [.unsafeFlags(engineReleaseFlags, .when(configuration: .release))]),
        .target(name: "HTTPServer", dependencies: ["CZlib"]),
        // Linux process calls (pipe2, closefrom for posix_spawn, CPU affinity, parent-death signal).
        .target(name: "CProcess", path: "Sources/CProcess"),
        // SHA-256 of uploads, optimised in debug builds too (a 512 MB upload is hashed on arrival).
        .target(name: "CDigest", path: "Sources/CDigest", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "PruneLabService", dependencies: ["HTTPServer", "PruneKit", "CProcess"]),
        // The work store (jobs, work units with leases, result rows, artifact metadata): its own
        // target, so the engine and the HTTP server never see a database client, and the store's
        // contract suite builds without the service. SQLite through GRDB (Debian's libsqlite3-dev).
        .target(
            name: "JobStoreKit",
            dependencies: ["PruneKit", .product(name: "GRDB", package: "GRDB.swift")]),
        // The same store on PostgreSQL, for many machines: SwiftNIO only as the database client.
        .target(
            name: "JobStorePostgres",
            dependencies: ["JobStoreKit", "PruneKit", .product(name: "PostgresNIO", package: "postgres-nio")]),
        .executableTarget(
            name: "prunelab",
            dependencies: [
                "PruneKit", "PruneLabService", "CProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Test helpers shared by the test targets (running Python checkers).
        .target(name: "TestHelpers", path: "Tests/TestHelpers"),
        .testTarget(name: "PruneKitTests", dependencies: ["PruneKit", "CZlib", "CKernels", "TestHelpers"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "CZlib"]),
        .testTarget(name: "JobStoreKitTests", dependencies: ["JobStoreKit", "JobStorePostgres", "PruneKit", "TestHelpers"]),
        .testTarget(name: "PruneLabServiceTests", dependencies: ["PruneLabService", "PruneKit", "HTTPServer", "TestHelpers"]),
    ],
    swiftLanguageModes: [.v6]
)
