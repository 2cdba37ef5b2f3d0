// swift-tools-version:6.1
import PackageDescription

// The engine's Swift code is built for portable x86-64; the hot loops that gain from AVX2 or
// AVX-512 live in CKernels, built for several instruction sets and chosen at run time.
let engineReleaseFlags = ["-Ounchecked"]

// Layer map (see README): prunelab -> PruneLabService -> {HTTPServer, JobStoreKit, PruneKit};
// PruneKit -> {CBLAS, CZlib, CKernels, CDigest}; HTTPServer -> {CZlib, CEpoll}; PruneLabService -> CProcess;
// JobStoreKit -> {PruneKit, GRDB, PostgresNIO with the Postgres trait}. PruneKit and HTTPServer never
// meet; neither sees a database.
//
// PostgreSQL support is the opt-in trait `Postgres`: postgres-nio (SwiftNIO, NIOSSL, swift-crypto)
// costs about 800 CPU seconds to build, so the default build leaves it out and `openWorkStore`
// explains how to build with it: `swift build -c release --product prunelab --traits Postgres`.
let postgres: Set<String> = ["Postgres"]
let package = Package(
    name: "PruneLab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "prunelab", targets: ["prunelab"]),
        .library(name: "PruneKit", targets: ["PruneKit"]),
        .library(name: "HTTPServer", targets: ["HTTPServer"]),
        .library(name: "JobStoreKit", targets: ["JobStoreKit"]),
    ],
    traits: [
        .trait(name: "Postgres", description: "The PostgreSQL work store (postgres://), for workers on many machines"),
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
        // epoll, for the server's event loops.
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        .target(name: "HTTPServer", dependencies: ["CZlib", "CEpoll"]),
        // Linux process calls (pipe2, closefrom for posix_spawn, CPU affinity, parent-death signal).
        .target(name: "CProcess", path: "Sources/CProcess"),
        // SHA-256 of uploads, optimised in debug builds too (a 512 MB upload is hashed on arrival).
        .target(name: "CDigest", path: "Sources/CDigest", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "PruneLabService", dependencies: ["HTTPServer", "PruneKit", "JobStoreKit", "CProcess"]),
        // The work store (jobs, work units with leases, result rows, artifact metadata): its own
        // target, so the engine and the HTTP server never see a database client, and the store's
        // contract suite builds without the service. SQLite through GRDB (Debian's libsqlite3-dev);
        // PostgreSQL (Postgres/, compiled under `#if POSTGRES`) through postgres-nio with the trait.
        .target(
            name: "JobStoreKit",
            dependencies: [
                "PruneKit", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: postgres)),
            ],
            swiftSettings: [.define("POSTGRES", .when(traits: postgres))]),
        .executableTarget(
            name: "prunelab",
            dependencies: [
                "PruneKit", "PruneLabService", "JobStoreKit", "CProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Test helpers shared by the test targets (running Python checkers).
        .target(name: "TestHelpers", path: "Tests/TestHelpers"),
        .testTarget(name: "PruneKitTests", dependencies: ["PruneKit", "CZlib", "CKernels", "TestHelpers"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "CZlib", "TestHelpers"]),
        .testTarget(
            name: "JobStoreKitTests",
            dependencies: [
                "JobStoreKit", "PruneKit", "TestHelpers",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: postgres)),
            ],
            swiftSettings: [.define("POSTGRES", .when(traits: postgres))]),
        .testTarget(name: "PruneLabServiceTests", dependencies: ["PruneLabService", "PruneKit", "HTTPServer", "JobStoreKit", "TestHelpers"]),
    ],
    swiftLanguageModes: [.v6]
)
