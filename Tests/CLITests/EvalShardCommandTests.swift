import Foundation
import XCTest

/// `eval --shard i/n` and `eval merge`: shards merged give the files one unsharded run writes, and
/// a merge that cannot be made says why in one line.
final class EvalShardCommandTests: XCTestCase {
    /// Five small clips and a broken one, so that neither 2 nor 3 shards divide them evenly and a
    /// failed record is merged too.
    private func inputs(in directory: URL) throws -> String {
        let inputs = directory.appendingPathComponent("inputs")
        let made = try EbtvidProcess.run(["synth", "--out", inputs.path, "--count", "5", "--frames", "10", "--size", "32", "--seed", "4"])
        XCTAssertEqual(made.status, 0, made.stderr)
        try Data("not a video".utf8).write(to: inputs.appendingPathComponent("broken.mp4"))
        return inputs.path
    }

    private func evaluate(_ inputs: String, out: String, _ extra: [String] = [], think: Int = 2) throws {
        let result = try EbtvidProcess.run(["eval", inputs, "--horizon", "2", "--think", String(think), "--out", out] + extra, timeout: 300)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// summary.json without its run time, which no two runs share.
    private func summary(_ folder: String) throws -> NSDictionary {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as! [String: Any]
        XCTAssertNotNil(object.removeValue(forKey: "seconds"))
        return object as NSDictionary
    }

    func testMergedShardsEqualOneRun() throws {
        let directory = try scratchDirectory(for: self)
        let clips = try inputs(in: directory)
        let whole = directory.appendingPathComponent("whole").path
        try evaluate(clips, out: whole)
        let expectedCSV = try String(contentsOfFile: whole + "/results.csv", encoding: .utf8)
        XCTAssertEqual(expectedCSV.split(separator: "\n").count, 7, "a header and six clips")
        for count in [2, 3] {
            let shards = (0..<count).map { directory.appendingPathComponent("shard-\(count)-\($0)").path }
            for (index, out) in shards.enumerated() { try evaluate(clips, out: out, ["--shard", "\(index)/\(count)"]) }
            let records = try shards.map { try FileManager.default.contentsOfDirectory(atPath: $0 + "/clips").count }
            XCTAssertEqual(records.reduce(0, +), 6, "each clip in exactly one shard")
            XCTAssertEqual(records, Array(repeating: 6 / count, count: count), "every n-th clip: 6 clips split evenly")
            let merged = directory.appendingPathComponent("merged-\(count)").path
            // Given in another order than the shards': the clip order is the unsharded run's anyway.
            let result = try EbtvidProcess.run(["eval", "merge"] + shards.reversed() + ["--out", merged])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains("6 clips (1 failed)"))
            XCTAssertEqual(try String(contentsOfFile: merged + "/results.csv", encoding: .utf8), expectedCSV, "\(count) shards")
            XCTAssertEqual(try summary(merged), try summary(whole), "\(count) shards")
            XCTAssertTrue(FileManager.default.fileExists(atPath: merged + "/report.html"))
        }
        // A shard split further over --jobs workers (one core each, so its figures may differ in
        // the last digits) evaluates the same clips and describes itself alike.
        let split = directory.appendingPathComponent("shard-3-1-jobs").path, alone = directory.appendingPathComponent("shard-3-1").path
        try evaluate(clips, out: split, ["--shard", "1/3", "--jobs", "2"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: split + "/clips").sorted(),
                       try FileManager.default.contentsOfDirectory(atPath: alone + "/clips").sorted())
        func clipList(_ folder: String) throws -> NSArray {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/shard.json"))) as! [String: Any]
            return object["clips"] as! NSArray
        }
        XCTAssertEqual(try clipList(split), try clipList(alone))
    }

    func testMergeRefusesWhatIsNoCompleteSetOfShards() throws {
        let directory = try scratchDirectory(for: self)
        let clips = try inputs(in: directory)
        let plain = directory.appendingPathComponent("plain").path, first = directory.appendingPathComponent("first").path
        try evaluate(clips, out: plain)
        try evaluate(clips, out: first, ["--shard", "0/2"])
        let other = directory.appendingPathComponent("other").path
        try evaluate(clips, out: other, ["--shard", "1/2"], think: 1)
        let out = directory.appendingPathComponent("merged").path
        func refusal(_ arguments: [String], status: Int32, mentions: String) throws {
            let result = try EbtvidProcess.run(["eval", "merge"] + arguments + ["--out", out])
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
            XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(mentions), "\(arguments): \(result.stderr)")
        }
        try refusal([directory.appendingPathComponent("absent").path], status: 1, mentions: "absent: no such directory")
        try refusal([plain], status: 1, mentions: "plain: not an evaluation shard")
        try refusal([first], status: 1, mentions: "shard 1/2 is missing")
        try refusal([first, first], status: 1, mentions: "again")
        try refusal([first, other], status: 1, mentions: "other: shard 1/2 of another evaluation")
        try refusal([], status: 64, mentions: "every shard")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written by a refused merge")
        for bad in ["2/2", "-1/2", "1", "0/0", "a/b"] {
            let result = try EbtvidProcess.run(["eval", clips, "--shard", bad, "--out", out])
            XCTAssertEqual(result.status, 64, bad)
            XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        }
    }
}
