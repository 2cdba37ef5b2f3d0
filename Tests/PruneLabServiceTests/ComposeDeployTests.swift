import Foundation
import TestHelpers
import XCTest

/// deploy/compose.yaml, checked as far as a machine without a Docker engine allows: parsed with
/// PyYAML, and its parts checked against each other and the Dockerfile: one database, one front
/// end that runs no work, workers that scale, every process on the same store and artifacts volume.
/// (scripts/test also runs `docker compose config` where the Compose plugin is installed.)
final class ComposeDeployTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let compose = repository.appendingPathComponent("deploy/compose.yaml")

    /// The file as JSON, `${NAME:-default}` replaced by its default as Compose would without the
    /// variable, and a required `${NAME:?message}` by `<NAME>`.
    private func composeFile() throws -> [String: Any] {
        let script = """
            import json, re, sys, yaml
            text = re.sub(r"\\$\\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\\}", lambda m: m.group(2), open(sys.argv[1]).read())
            text = re.sub(r"\\$\\{([A-Za-z_][A-Za-z0-9_]*):\\?([^}]*)\\}", lambda m: "<" + m.group(1) + ">", text)
            print(json.dumps(yaml.safe_load(text)))
            """
        let result = try PythonHelper.run(script, [Self.compose.path], module: "yaml")
        XCTAssertEqual(result.status, 0, result.errors)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: result.output) as? [String: Any])
    }

    private func service(_ file: [String: Any], _ name: String) throws -> [String: Any] {
        try XCTUnwrap((file["services"] as? [String: Any])?[name] as? [String: Any], "service \(name) missing")
    }

    /// The value after `option` in a command line.
    private func value(of option: String, in command: [String]) -> String? {
        command.firstIndex(of: option).flatMap { $0 + 1 < command.count ? command[$0 + 1] : nil }
    }

    func testTheServicesShareOneStoreAndOneArtifactsVolumeAndTheWorkersScale() throws {
        let file = try composeFile()
        XCTAssertEqual(Set((file["services"] as? [String: Any] ?? [:]).keys), ["db", "front", "worker"])
        let db = try service(file, "db"), front = try service(file, "front"), worker = try service(file, "worker")
        let frontCommand = try XCTUnwrap(front["command"] as? [String]), workerCommand = try XCTUnwrap(worker["command"] as? [String])
        XCTAssertEqual(front["entrypoint"] as? [String], ["prunelab"])
        XCTAssertEqual(worker["entrypoint"] as? [String], ["prunelab"])
        XCTAssertEqual(frontCommand.first, "serve")
        XCTAssertEqual(workerCommand.first, "worker")
        XCTAssertEqual(value(of: "--workers", in: frontCommand), "0", "the front end runs no work itself")

        // One store: the database service, its user, password and database.
        let store = try XCTUnwrap(value(of: "--store", in: frontCommand))
        XCTAssertEqual(value(of: "--store", in: workerCommand), store)
        let url = try XCTUnwrap(URLComponents(string: store))
        let environment = try XCTUnwrap(db["environment"] as? [String: String])
        XCTAssertEqual(url.scheme, "postgres")
        XCTAssertEqual(url.host, "db", "the store is the db service")
        XCTAssertEqual(url.port, 5432)
        XCTAssertEqual(url.user, environment["POSTGRES_USER"])
        XCTAssertEqual(url.password, environment["POSTGRES_PASSWORD"])
        XCTAssertEqual(url.path, "/" + (environment["POSTGRES_DB"] ?? "?"))
        XCTAssertTrue((db["image"] as? String)?.hasPrefix("postgres:") ?? false)
        let dbCheck = try XCTUnwrap((db["healthcheck"] as? [String: Any])?["test"] as? [String])
        XCTAssertTrue(dbCheck.contains("pg_isready"), "\(dbCheck)")
        XCTAssertTrue(dbCheck.contains(environment["POSTGRES_USER"] ?? "?") && dbCheck.contains(environment["POSTGRES_DB"] ?? "?"))

        // One artifacts folder, on one named volume, for both.
        let volumes = try XCTUnwrap(file["volumes"] as? [String: Any])
        let artifacts = try XCTUnwrap(value(of: "--artifacts", in: frontCommand))
        XCTAssertEqual(value(of: "--artifacts", in: workerCommand), artifacts)
        var sharedVolumes: [String] = []
        for part in [front, worker] {
            let mounts = (part["volumes"] as? [String] ?? []).map { $0.split(separator: ":").map(String.init) }
            let shared = try XCTUnwrap(mounts.first { $0.count >= 2 && $0[1] == artifacts }, "no volume at \(artifacts): \(mounts)")
            XCTAssertNotNil(volumes[shared[0]], "volume \(shared[0]) is not declared")
            sharedVolumes.append(shared[0])
        }
        XCTAssertEqual(Set(sharedVolumes).count, 1, "front end and workers mount the same volume")
        for mount in (db["volumes"] as? [String] ?? []) {
            XCTAssertNotNil(volumes[String(mount.split(separator: ":")[0])], "\(mount): volume not declared")
        }

        // Both wait for a healthy database.
        for part in [front, worker] {
            let dependsOn = try XCTUnwrap(part["depends_on"] as? [String: Any])
            XCTAssertEqual((dependsOn["db"] as? [String: Any])?["condition"] as? String, "service_healthy")
        }

        // Workers scale: nothing that names one container, nor a host port.
        XCTAssertNil(worker["container_name"])
        XCTAssertNil(worker["ports"])
        XCTAssertEqual((worker["healthcheck"] as? [String: Any])?["disable"] as? Bool, true,
                       "a worker serves no HTTP, so the image's /healthz check is off")
        XCTAssertEqual(worker["stop_signal"] as? String, "SIGTERM", "a worker hands back its unit on SIGTERM")

        // The front end's health check asks its own port, which is the one published.
        let port = try XCTUnwrap(value(of: "--port", in: frontCommand))
        XCTAssertEqual(value(of: "--host", in: frontCommand), "0.0.0.0")
        XCTAssertEqual((front["ports"] as? [String])?.map { String($0.split(separator: ":").last ?? "") }, [port])
        let frontCheck = try XCTUnwrap((front["healthcheck"] as? [String: Any])?["test"] as? [String])
        XCTAssertTrue(frontCheck.contains("http://127.0.0.1:\(port)/healthz"), "\(frontCheck)")
        // serve refuses a non-loopback address without a token (unless --no-auth): the token is required.
        XCTAssertFalse(frontCommand.contains("--no-auth"))
        XCTAssertEqual((front["environment"] as? [String: String])?["PRUNELAB_TOKEN"], "<PRUNELAB_TOKEN>",
                       "PRUNELAB_TOKEN is passed to the front end, and Compose refuses to start without it")
    }

    func testTheImageIsTheRepositoryDockerfileBuiltWithThePostgresTrait() throws {
        let file = try composeFile()
        let front = try service(file, "front"), worker = try service(file, "worker")
        let build = try XCTUnwrap(front["build"] as? [String: Any])
        XCTAssertEqual(build["args"] as? [String: String], ["PRUNELAB_TRAITS": "Postgres"])
        let context = Self.compose.deletingLastPathComponent().appendingPathComponent(try XCTUnwrap(build["context"] as? String))
        XCTAssertEqual(context.standardizedFileURL.path, Self.repository.standardizedFileURL.path)
        let dockerfile = try String(contentsOf: context.appendingPathComponent(build["dockerfile"] as? String ?? "Dockerfile"),
                                    encoding: .utf8)
        XCTAssertTrue(dockerfile.contains("ARG PRUNELAB_TRAITS"), "the Dockerfile takes the build argument")
        XCTAssertTrue(dockerfile.contains("--product prunelab ${PRUNELAB_TRAITS:+--traits \"$PRUNELAB_TRAITS\"}"),
                      "the Dockerfile builds prunelab with the traits it is given")
        XCTAssertTrue(dockerfile.contains("/shared"), "the image has the shared folder, owned by its user")
        XCTAssertNotNil(front["image"] as? String)
        XCTAssertEqual(worker["image"] as? String, front["image"] as? String, "workers run the image the front end builds")
        XCTAssertNil(worker["build"], "one build, not one per service")
        // The trait the compose file asks for is one the package declares.
        let manifest = try String(contentsOf: Self.repository.appendingPathComponent("Package.swift"), encoding: .utf8)
        XCTAssertTrue(manifest.contains(#".trait(name: "Postgres""#), "Package.swift declares the Postgres trait")
    }
}
