import Foundation
import XCTest

/// `eval --jobs`: worker processes share the clips and the parent's summary is the one a single
/// process would write; a broken clip is still recorded and the batch still exits 0.
final class EvalJobsCommandTests: XCTestCase {
    private let clips = repositoryRoot.appendingPathComponent("clips")

    func testWorkersGiveTheSameSummaryAsOneProcess() throws {
        let directory = try scratchDirectory(for: self)
        let inputs = directory.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for name in ["s2024-000-bouncing", "s2024-001-pan", "s2024-002-zoom"] {
            for ext in ["mp4", "json"] {
                try FileManager.default.copyItem(at: clips.appendingPathComponent("\(name).\(ext)"),
                                                 to: inputs.appendingPathComponent("\(name).\(ext)"))
            }
        }
        try Data("not a video".utf8).write(to: inputs.appendingPathComponent("broken.mp4"))

        var summaries: [[String: Any]] = []
        for jobs in ["1", "2"] {
            let out = directory.appendingPathComponent("eval-\(jobs)").path
            let result = try EbtvidProcess.run(["eval", inputs.path, "--horizon", "2", "--jobs", jobs, "--out", out], timeout: 300)
            XCTAssertEqual(result.status, 0, result.stderr)
            let records = try FileManager.default.contentsOfDirectory(atPath: out + "/clips")
            XCTAssertEqual(records.filter { $0.hasSuffix(".json") }.count, 4, "one record per clip, the broken one included")
            summaries.append(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any])
        }
        for key in ["clips", "failed", "frames"] { XCTAssertEqual(summaries[0][key] as? Int, summaries[1][key] as? Int, key) }
        XCTAssertEqual(summaries[1]["failed"] as? Int, 1)
        let one = summaries[0]["model"] as! [String: Double], two = summaries[1]["model"] as! [String: Double]
        XCTAssertEqual(one["psnr"]!, two["psnr"]!, accuracy: 1e-3)
        XCTAssertEqual(one["embedding_mse"]!, two["embedding_mse"]!, accuracy: 1e-4 * one["embedding_mse"]!)
    }

    /// SIGKILL leaves the parent no chance to stop its workers itself: they must go on their own.
    func testWorkersStopWhenTheParentIsKilled() throws {
        let out = try scratchDirectory(for: self).appendingPathComponent("eval")
        let parent = try BackgroundProcess.start(["eval", clips.path, "--jobs", "2", "--think", "8", "--out", out.path])
        defer { if parent.isRunning { parent.terminate() } }
        var workers: [Int32] = []
        XCTAssertTrue(BackgroundProcess.wait(seconds: 30) {
            workers = BackgroundProcess.children(of: parent.processIdentifier)
            return workers.count == 2
        }, "the two workers start")
        kill(parent.processIdentifier, SIGKILL)
        parent.waitUntilExit()
        let gone = BackgroundProcess.wait(seconds: 5) { !workers.contains(where: BackgroundProcess.isRunning) }
        for worker in workers where BackgroundProcess.isRunning(worker) { kill(worker, SIGKILL) }
        XCTAssertTrue(gone, "workers \(workers) outlived their parent by 5 s")
    }

    /// A re-run says how many records it reused, and evaluates again those made with other options.
    func testARerunSaysHowManyRecordsItReused() throws {
        let directory = try scratchDirectory(for: self)
        let out = directory.appendingPathComponent("eval").path
        let clip = try synthesizedClip(in: directory.appendingPathComponent("clips"), size: 32, frames: 12)
        func recordsLine(_ arguments: [String]) throws -> String? {
            let result = try EbtvidProcess.run(["eval", clip, "--horizon", "2", "--out", out] + arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
            return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("records: ") }.map(String.init)
        }
        XCTAssertEqual(try recordsLine([]), "records: 0 of 1 reused from an earlier run into \(out)")
        XCTAssertEqual(try recordsLine([]), "records: 1 of 1 reused from an earlier run into \(out)")
        XCTAssertEqual(try recordsLine(["--think", "1", "--jobs", "2"]),
                       "records: 0 of 1 reused from an earlier run into \(out), 1 made from other inputs or options or failed, evaluated again")
    }

    func testAbsurdJobsIsRefused() throws {
        let result = try EbtvidProcess.run(["eval", clips.path, "--jobs", "0", "--out", "/tmp/never"])
        XCTAssertEqual(result.status, 64)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never"))
    }
}
