import Foundation
import PruneKit
import TestHelpers
import XCTest
@testable import PruneLabService

/// deploy/: the Slurm scripts and the Kubernetes manifests, run as far as a machine without a
/// cluster allows: their command lines, with the variables Slurm and Kubernetes set, on the
/// `prunelab` of this build; the manifests parsed as YAML and checked for the shape they need.
final class DeployTests: XCTestCase {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy")

    /// 6 lines: weight and unit pruning at 0, 50 and 90 %.
    static let specJSON = #"""
    {"name": "deploy", "dataset": {"name": "synthetic", "train_size": 256, "test_size": 64, "features": 16, "classes": 4, "seed": 1},
     "model": {"hidden": [16]}, "training": {"epochs": 1, "batch_size": 32},
     "pruning": {"methods": ["weight", "unit"], "sparsities": [0, 50, 90]}}
    """#

    private struct Run {
        var status: Int32
        var output: String
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: output)
    }

    private func rows(_ folder: URL) throws -> [ResultRow] {
        try ResultsCSV.decode(String(contentsOf: folder.appendingPathComponent("results.csv"), encoding: .utf8))
    }

    /// Rows without what the clock measured (times, the kernel timing chose, the MACs that follow it).
    private func untimed(_ rows: [ResultRow]) -> [ResultRow] {
        rows.map { row in
            var row = row
            row.denseSeconds = 0
            row.prunedSeconds = 0
            row.kernel = .dense
            row.trainSeconds = nil
            row.macs = nil
            return row
        }
    }

    func testSlurmArrayTasksAndTheMergeJobGiveASingleRunsRows() throws {
        let folder = try TemporaryFolder()
        let spec = folder.url.appendingPathComponent("spec.json"), out = folder.url.appendingPathComponent("run1")
        try Data(Self.specJSON.utf8).write(to: spec)
        let prunelab = TestJobs.prunelabExecutable.path
        let single = try run(prunelab, ["run", spec.path, "--out", folder.url.appendingPathComponent("single").path], environment: [:])
        XCTAssertEqual(single.status, 0, single.output)

        let script = Self.deploy.appendingPathComponent("slurm/prunelab-shards.sbatch")
        let text = try String(contentsOf: script, encoding: .utf8)
        // The array's range and the script's n agree.
        XCTAssertTrue(text.contains("#SBATCH --array=0-15\n") && text.contains("SHARDS=${SHARDS:-16}"), "array range and SHARDS differ")
        let common = ["SPEC": spec.path, "OUT": out.path, "PRUNELAB": prunelab, "SHARDS": "4"]
        for index in [0, 1, 2, 3, 1] {  // index 1 twice, as Slurm may requeue it
            let task = try run("/bin/bash", [script.path], environment: common.merging(["SLURM_ARRAY_TASK_ID": String(index)]) { $1 })
            XCTAssertEqual(task.status, 0, task.output)
        }
        let outside = try run("/bin/bash", [script.path], environment: common)
        XCTAssertNotEqual(outside.status, 0)
        XCTAssertTrue(outside.output.contains("run this as a Slurm array job"), outside.output)

        let merge = try run("/bin/bash", [Self.deploy.appendingPathComponent("slurm/prunelab-merge.sbatch").path],
                            environment: ["OUT": out.path, "PRUNELAB": prunelab])
        XCTAssertEqual(merge.status, 0, merge.output)
        XCTAssertEqual(untimed(try rows(out)), untimed(try rows(folder.url.appendingPathComponent("single"))))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("accuracy.svg").path))
    }

    func testMergeCommandNamesTheShardsMissingAndExitsNonZero() throws {
        let folder = try TemporaryFolder()
        let spec = folder.url.appendingPathComponent("spec.json"), out = folder.url.appendingPathComponent("run1")
        try Data(Self.specJSON.utf8).write(to: spec)
        let prunelab = TestJobs.prunelabExecutable.path
        let shard = try run(prunelab, ["run", spec.path, "--shard", "2/3", "--out", out.path], environment: [:])
        XCTAssertEqual(shard.status, 0, shard.output)
        let merge = try run(prunelab, ["merge", out.path], environment: [:])
        XCTAssertEqual(merge.status, 1)
        XCTAssertTrue(merge.output.contains("shards 0, 1 of 3 have not finished"), merge.output)
        let partial = try run(prunelab, ["merge", out.path, "--partial"], environment: [:])
        XCTAssertEqual(partial.status, 0, partial.output)
        XCTAssertEqual(try rows(out).count, 2)
        for bad in ["3/3", "x", "1/0"] {
            let refused = try run(prunelab, ["run", spec.path, "--shard", bad, "--out", out.path], environment: [:])
            XCTAssertNotEqual(refused.status, 0, bad)
            XCTAssertTrue(refused.output.contains("--shard"), refused.output)
        }
    }

    func testKubernetesIndexedJobParsesAndItsCommandRunsEveryIndex() throws {
        // The manifests' shape as JSON, read with PyYAML.
        let script = """
            import json, sys, yaml
            shards = list(yaml.safe_load_all(open(sys.argv[1])))
            merge = list(yaml.safe_load_all(open(sys.argv[2])))
            def container(job):
                c = job["spec"]["template"]["spec"]["containers"][0]
                return {"command": c["command"] + c["args"], "env": {e["name"]: e["value"] for e in c.get("env", [])},
                        "mounts": {m["name"]: m["mountPath"] for m in c["volumeMounts"]},
                        "volumes": job["spec"]["template"]["spec"]["volumes"]}
            job = next(d for d in shards if d["kind"] == "Job")
            claim = next(d for d in shards if d["kind"] == "PersistentVolumeClaim")
            print(json.dumps({"mode": job["spec"]["completionMode"], "completions": job["spec"]["completions"],
                              "parallelism": job["spec"]["parallelism"], "claim": claim["metadata"]["name"],
                              "access": claim["spec"]["accessModes"], "shard": container(job),
                              "merge": container(next(d for d in merge if d["kind"] == "Job"))}))
            """
        let result = try PythonHelper.run(script, [Self.deploy.appendingPathComponent("kubernetes/prunelab-shards.yaml").path,
                                                   Self.deploy.appendingPathComponent("kubernetes/prunelab-merge.yaml").path], module: "yaml")
        XCTAssertEqual(result.status, 0, result.errors)
        let shape = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.output) as? [String: Any])
        XCTAssertEqual(shape["mode"] as? String, "Indexed")
        XCTAssertEqual(shape["access"] as? [String], ["ReadWriteMany"])
        let shard = try XCTUnwrap(shape["shard"] as? [String: Any]), merge = try XCTUnwrap(shape["merge"] as? [String: Any])
        let env = try XCTUnwrap(shard["env"] as? [String: String])
        let completions = try XCTUnwrap(shape["completions"] as? Int)
        XCTAssertEqual(env["SHARDS"], String(completions), "n in the command is the Job's completions")
        XCTAssertEqual(shape["parallelism"] as? Int, completions)
        for part in [shard, merge] {
            let mounts = try XCTUnwrap(part["mounts"] as? [String: String])
            let volumes = try XCTUnwrap(part["volumes"] as? [[String: Any]])
            XCTAssertEqual(Set(mounts.keys), Set(volumes.compactMap { $0["name"] as? String }), "every mount has its volume")
            let claims = volumes.compactMap { ($0["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String }
            XCTAssertEqual(claims, [shape["claim"] as? String].compactMap { $0 })
            let out = try XCTUnwrap((part["env"] as? [String: String])?["OUT"])
            XCTAssertTrue(out.hasPrefix(mounts["shared"] ?? "?"), "OUT \(out) is on the shared volume")
        }

        // Each index's command, as the pod runs it: the manifest's environment, the spec and the
        // shared folder moved to this machine, `prunelab` of this build on the PATH.
        let folder = try TemporaryFolder()
        let spec = folder.url.appendingPathComponent("spec.json"), out = folder.url.appendingPathComponent("run1")
        try Data(Self.specJSON.utf8).write(to: spec)
        let path = TestJobs.prunelabExecutable.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let command = try XCTUnwrap(shard["command"] as? [String])
        XCTAssertEqual(command.prefix(2), ["/bin/sh", "-c"])
        for index in 0..<completions {
            let pod = try run(command[0], Array(command.dropFirst()), environment: env.merging(
                ["SPEC": spec.path, "OUT": out.path, "PATH": path, "JOB_COMPLETION_INDEX": String(index)]) { $1 })
            XCTAssertEqual(pod.status, 0, "index \(index): \(pod.output)")
        }
        let mergeCommand = try XCTUnwrap(merge["command"] as? [String])
        let merged = try run(mergeCommand[0], Array(mergeCommand.dropFirst()), environment: ["OUT": out.path, "PATH": path])
        XCTAssertEqual(merged.status, 0, merged.output)
        XCTAssertEqual(try rows(out).map(\.point), try SweepSpec.parse(Data(Self.specJSON.utf8)).points)
    }
}
