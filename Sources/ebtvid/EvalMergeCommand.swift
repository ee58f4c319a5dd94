import ArgumentParser
import FileSystem
import Foundation
import Pipeline

/// `ebtvid eval merge`: the outputs of one evaluation run as shards (`eval --shard i/n`), perhaps
/// on different machines, built from the shards' records as the unsharded run builds them.
struct EvalMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the --out folders of every shard of an evaluation (eval --shard i/n) into one.",
        discussion: """
            Reads each DIR's shard.json and clip records and writes OUT/results.csv, OUT/summary.json \
            and OUT/report.html as one `ebtvid eval` over all the clips writes them (the summary's \
            seconds are the shards' added). Every shard must be given once, all from the same clips, \
            model and options.
            """)

    @Argument(help: "The --out folder of each shard.")
    var shards: [String] = []

    @Option(help: "Output folder.")
    var out = "outputs/eval"

    func validate() throws {
        if shards.isEmpty { throw ValidationError("give the --out folder of every shard") }
        if let problem = OutputPath.problem(out) { throw ValidationError(problem) }
    }

    func run() throws {
        let merged = try EvalMerge(folders: shards.map { URL(fileURLWithPath: $0) })
        let output = URL(fileURLWithPath: out), first = merged.first
        try Folder.create(output)
        let summary = try EvalOutputs.write(merged.results, thinkSteps: first.thinkSteps, seconds: merged.seconds, errorScale: first.errorScale,
                                            modelPath: first.modelPath, grid: try first.grid(), to: output)
        print("merged \(first.count) shards of \(first.clipCount) clips (model \(first.modelPath))")
        EvalPrintout.show(summary, results: merged.results, thinkSteps: first.thinkSteps)
        print("wrote \(output.relativePath)/results.csv, summary.json, report.html")
    }
}
