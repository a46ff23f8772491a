import ArgumentParser
import ConsoleOutput
import Datasets
import Foundation
import ImageIO

/// `flytally dataset`: look at annotated data sets.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Inspect annotated data sets (COCO, Pascal VOC, YOLO).",
        subcommands: [DatasetStats.self])
}

struct DatasetStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count flies per trait and pose; plot box centres and box sizes.",
        discussion: """
            DATASET is a COCO .json file, or a directory with annotations.json (COCO), \
            classes.txt and .txt labels (YOLO), or .xml files (Pascal VOC). Records with problems \
            are listed and left out of the counts. Writes box-centres.png and box-sizes.png \
            into --out (default: DATASET/stats, or beside the .json file).
            """)

    @Argument(help: "The data set.")
    var dataset: String

    @Option(help: ArgumentHelp("Directory for the two plots.", valueName: "dir"))
    var out: String?

    @Flag(help: "Print the statistics as JSON.")
    var json = false

    func run() throws {
        let loaded = DatasetLoader.load(dataset)
        let result = loaded.result
        if result.images.isEmpty {
            for problem in result.problems { StandardError.line(problem.description) }
            throw InputFailure("\(dataset): no usable annotated images")
        }
        let statistics = DatasetStatistics(result.images)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: dataset, isDirectory: &isDirectory)
        let outDirectory = out ?? (isDirectory.boolValue ? (dataset as NSString).appendingPathComponent("stats")
                                                       : ((dataset as NSString).deletingLastPathComponent as NSString).appendingPathComponent("stats"))
        do {
            try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        } catch {
            throw InputFailure("\(outDirectory): cannot create output directory (\(error.localizedDescription))")
        }
        let heatMap = (outDirectory as NSString).appendingPathComponent("box-centres.png")
        let scatter = (outDirectory as NSString).appendingPathComponent("box-sizes.png")
        do {
            try ImageEncoder.write(DatasetPlots.centreHeatMap(result.images), to: heatMap)
            try ImageEncoder.write(DatasetPlots.cropSizeScatter(result.images), to: scatter)
        } catch {
            throw InputFailure(error.description)
        }
        if json {
            print(try JSONOutput.encode(statistics))
        } else {
            print("\(dataset) (\(loaded.format))")
            print(statistics.text, terminator: "")
            print("plots: \(heatMap), \(scatter)")
        }
        if !result.problems.isEmpty {
            StandardError.line("Skipped \(result.problems.count) record(s):")
            for problem in result.problems { StandardError.line("  " + problem.description) }
            throw BatchHadProblems()
        }
    }
}
