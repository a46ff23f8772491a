import ArgumentParser
import ConsoleOutput
import Counting
import Datasets
import Detector
import Foundation
import Genetics
import ImageIO
import TensorKernels

/// `flytally bench count`: end-to-end counting speed (with the stage breakdown) and counting
/// accuracy against ground truth, on an annotated photo set.
struct BenchCount: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Time flytally count end to end on annotated photos and compare its counts with the truth.",
        discussion: """
            Each repeat runs everything `flytally count` does — decode, detect, crop, classify, \
            annotated copies, tables and report (into a temporary directory) — and the median \
            repeat is reported with its stage breakdown. Accuracy: per photo, detected minus \
            true flies; over all photos, each phenotype's count minus the true count, in percent \
            of all true flies.
            """)

    @Option(help: "Annotated photo set (COCO / YOLO / VOC with traits), e.g. a FlySim directory.")
    var data: String

    @Option(help: "Detector: fast (bundled) or a model file.")
    var detector = "fast"

    @Option(help: "Trait classifier model file (default: the bundled one).")
    var model: String?

    @Option(help: ArgumentHelp("Another trait classifier averaged with --model's, as in `count` (repeatable).", valueName: "file"))
    var ensemble: [String] = []

    @Option(help: ArgumentHelp("Tiling, as `count --tiles` (default auto, as there).", valueName: "n|auto|auto-zoom"), transform: parseTiling)
    var tiles: DetectorTiling = .automatic

    @Option(help: ArgumentHelp("Detector test-time views, as `count --views` (default 1, as there).", valueName: "n"), transform: parseViews)
    var views = 1

    @Option(name: .customLong("tile-merge"), help: ArgumentHelp("Which boxes of overlapping tiles are one fly, as `count --tile-merge` (default overlaps, as there).", valueName: "overlaps|across-tiles"), transform: parseTileMerge)
    var tileMerge: TileMerge = .overlaps

    @OptionGroup var crops: CropViewOptions

    @Option(help: "Repeats (the median is reported).")
    var repeats = 3

    @Option(help: "Threads.")
    var threads = 2

    @Flag(help: "Print the result as JSON.")
    var json = false

    struct Result: Codable {
        var photos: Int
        var trueFlies: Int
        var countedFlies: Int
        var threads: Int
        var tiles: String
        var tileMerge: String
        var views: Int
        var mirror: Bool
        var cropViews: Int
        var medianSeconds: Double
        var runs: [Double]
        var stages: CountTimings
        var countErrorPerPhoto: [Int]
        var absoluteCountErrorPer60: Double
        var phenotypeErrorPercent: [String: Double]
        var maxPhenotypeErrorPercent: Double
    }

    func validate() throws {
        guard (1...20).contains(repeats) else { throw ValidationError("--repeats must be 1…20.") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256.") }
    }

    func run() throws {
        EngineThreads.set(threads)
        let loaded = DatasetLoader.load(data)
        for p in loaded.result.problems { StandardError.line("skipped: \(p)") }
        let images = loaded.result.images
        guard !images.isEmpty else { throw InputFailure("\(data): no annotated photos") }
        let files = images.map { (loaded.imageDirectory as NSString).appendingPathComponent($0.fileName) }
        let counter = try loadFlyCounter(detector: detector, model: model, ensemble: ensemble, threshold: nil, review: ReviewPolicy(), tiling: tiles, views: views,
                                         merge: tileMerge, cropViews: crops.resolved)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-bench-count-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let outputs = CountOutputs(directory: scratch)
        do { try outputs.prepare() } catch { throw InputFailure("\(error)") }
        let problems = ProblemReport()
        var runs: [(seconds: Double, timings: CountTimings)] = [], last: [PhotoCount] = []
        for _ in 0..<repeats {
            counter.resetTimings()
            let started = Date()
            let (photos, thumbnails) = counter.count(files: files, decodeOptions: DecodeOptions(), outputs: outputs, problems: problems)
            let t = Date()
            try outputs.writeAll(photos, thumbnails: thumbnails, cross: Cross.defaultCross, alpha: 0.05, recombination: nil,
                                 policy: ReviewPolicy(), skipped: [], models: "bench")
            counter.addReportTime(Date().timeIntervalSince(t))
            runs.append((Date().timeIntervalSince(started), counter.timings))
            last = photos
        }
        if !problems.isEmpty { problems.lines.forEach { StandardError.line("skipped: \($0)") } }
        let median = runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
        // Accuracy against the truth (photos matched by path).
        let byPath = Dictionary(uniqueKeysWithValues: zip(files, images))
        var errors: [Int] = [], truth = PhenotypeCounts(), counted = PhenotypeCounts()
        for p in last {
            guard let image = byPath[p.photo] else { continue }
            errors.append(p.flies.count - image.flies.count)
            counted += CountTables.counts(p.flies)
            for fly in image.flies {
                if let e = fly.traits.eye, let w = fly.traits.wing, let s = fly.traits.sex,
                   let phenotype = Phenotype(key: "\(e.rawValue)-\(w.rawValue)-\(s.rawValue)") {
                    truth.add(phenotype)
                }
            }
        }
        let trueFlies = images.reduce(0) { $0 + $1.flies.count }
        var phenotypeError: [String: Double] = [:]
        for p in Phenotype.all { phenotypeError[p.key] = 100 * Double(counted[p] - truth[p]) / Double(max(1, truth.total)) }
        let result = Result(photos: last.count, trueFlies: trueFlies, countedFlies: last.reduce(0) { $0 + $1.flies.count }, threads: threads,
                            tiles: tiles.description, tileMerge: tileMerge.description,
                            views: views, mirror: crops.resolved != .single, cropViews: crops.resolved.rawValue,
                            medianSeconds: median.seconds, runs: runs.map(\.seconds), stages: median.timings, countErrorPerPhoto: errors,
                            absoluteCountErrorPer60: Double(errors.map(abs).reduce(0, +)) * 60 / Double(max(1, trueFlies)),
                            phenotypeErrorPercent: phenotypeError, maxPhenotypeErrorPercent: phenotypeError.values.map(abs).max() ?? 0)
        if json {
            print(try JSONOutput.encode(result))
            return
        }
        print(String(format: "%d photos, %d true flies, %d counted; %d threads, tiles %@%@, views %d%@", result.photos, trueFlies, result.countedFlies, threads,
                     tiles.description as NSString, tileMerge == .overlaps ? "" : " (merge \(tileMerge))" as NSString, views, crops.resolved.benchDescription as NSString))
        print(String(format: "end to end: median %.3f s over %d runs (%@)", median.seconds, repeats,
                     runs.map { String(format: "%.3f", $0.seconds) }.joined(separator: ", ") as NSString))
        let s = median.timings
        print(String(format: "  decode %.3f s, detect %.3f s, crop %.3f s, classify %.3f s, report %.3f s", s.decode, s.detect, s.crop, s.classify, s.report))
        print(String(format: "count error per photo: %@; |error| per 60 flies %.2f", errors.map(String.init).joined(separator: " ") as NSString,
                     result.absoluteCountErrorPer60))
        print("phenotype count error (% of all flies): " + Phenotype.all.map { String(format: "%@ %+.1f", $0.key as NSString, phenotypeError[$0.key]!) }.joined(separator: ", "))
    }
}
