import ArgumentParser
import ConsoleOutput
import Counting
import DefaultModels
import Detector
import Foundation
import Genetics
import ImageIO
import TensorKernels
import Traits

/// `flytally count`: photos in, phenotype table and genetics report out.
struct Count: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count the eight eye × wing × sex phenotypes in photos and test the cross.",
        discussion: """
            PHOTO may be a JPEG or PNG file or a directory (searched recursively). Every fly is \
            detected, cropped from the full-size photo and classified; OUT receives flies.csv, \
            flies.json, summary.csv, photos.json, annotated/ (a copy of each photo with the \
            flies drawn) and report.html (totals, observed vs expected, chi-square test, \
            recombination, flies that need review).

            --review FILE re-applies corrections to the flies in OUT/flies.json without \
            running the models again; the CSV has a header with photo, fly and any of eye, \
            wing, sex, remove (see docs/COUNTING.md).

            Crosses: \(Cross.builtInNames.joined(separator: ", ")), or a JSON file (docs/GENETICS.md).
            """)

    @Argument(help: "Photos or directories of photos.")
    var photos: [String] = []

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out = "flytally-results"

    @Option(help: ArgumentHelp("The cross to test: a built-in name or a JSON file.", valueName: "name|file"))
    var cross = "white-miniature"

    @Option(help: ArgumentHelp("Detector: fast (bundled), accurate, or a model file.", valueName: "fast|accurate|file"))
    var detector = "fast"

    @Option(help: ArgumentHelp("Trait classifier model file (default: the bundled one).", valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp("Another trait classifier whose trait probabilities are averaged with --model's (repeat for more; keypoints stay --model's).", valueName: "file"))
    var ensemble: [String] = []

    @Option(help: ArgumentHelp("Re-apply corrections (CSV) to OUT/flies.json instead of counting.", valueName: "file"))
    var review: String?

    @Option(name: .customLong("review-bounds"), help: ArgumentHelp("A fly needs review when a trait probability lies strictly between these (LOW,HIGH).", valueName: "low,high"))
    var reviewBounds = "0.2,0.8"

    @Option(help: "Detector score threshold (default: the model file's).")
    var threshold: Float?

    @Option(help: ArgumentHelp("'auto' (the default): one pass over the whole photo, and a second on 2×2…4×4 tiles only where the first finds flies under 32 px at the detector's input (touching small flies come apart; about twice the detection time on such photos); where they come out large (close-ups), passes over the photo shrunk bring flies over 100 px down to 64 px. 'auto-zoom': the same, but the second pass is the whole photo enlarged as the tiles would enlarge it (no fly cut by a tile edge or found twice; more precise, fewer flies found in piles). Or N: always an N×N grid of overlapping tiles (1…8; 1 = one pass, the fastest — where its flies come out large, one small extra pass checks whether they are too large and a note says so).", valueName: "n|auto|auto-zoom"), transform: parseTiling)
    var tiles: DetectorTiling = .automatic

    @Option(help: ArgumentHelp("Detector test-time views: average the output maps of 1 (the default, the fastest), 2 (+ the mirror image), 4 or 8 mirrored and transposed copies of each input — tighter boxes and fewer missed flies in piles, for about 1.5×, 2.5× or 4× the detection time.", valueName: "n"), transform: parseViews)
    var views = 1

    @Option(name: .customLong("tile-merge"), help: ArgumentHelp("Which boxes of overlapping tiles count as one fly: 'overlaps' (the default: any two boxes overlapping by IoU 0.5 or one 70 % inside the other, also within one tile — drops the second box on a fly the detector splits, and some flies lying on each other) or 'across-tiles' (only boxes from different tiles, as cut by a tile edge — keeps flies lying on each other, and split flies' second boxes).", valueName: "overlaps|across-tiles"), transform: parseTileMerge)
    var tileMerge: TileMerge = .overlaps

    @OptionGroup var crops: CropViewOptions

    @Option(help: "Significance level of the tests.")
    var alpha = 0.05

    @Option(help: "Recombination frequency to test a linked cross against (default: estimated from the counts).")
    var recombination: Double?

    @Flag(help: "Print the time spent in each stage.")
    var timings = false

    @Option(help: "Threads.")
    var threads = 2

    @OptionGroup var output: OutputOptions
    @OptionGroup var limits: DecodeLimitOptions

    var bounds: ReviewPolicy? {
        let parts = reviewBounds.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, 0 <= parts[0], parts[0] <= 0.5, 0.5 <= parts[1], parts[1] <= 1 else { return nil }
        return ReviewPolicy(lower: parts[0], upper: parts[1])
    }

    func validate() throws {
        if review == nil && photos.isEmpty { throw ValidationError("Give at least one photo or directory (or --review FILE).") }
        if review != nil && !photos.isEmpty { throw ValidationError("--review re-uses OUT/flies.json: give no photos with it.") }
        if bounds == nil { throw ValidationError("--review-bounds must be LOW,HIGH with 0 ≤ LOW ≤ 0.5 ≤ HIGH ≤ 1 (got '\(reviewBounds)').") }
        if let threshold, !(threshold > 0 && threshold < 1) { throw ValidationError("--threshold must be within (0, 1).") }
        guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be within (0, 1).") }
        if let recombination, !(0...0.5).contains(recombination) { throw ValidationError("--recombination must be within 0…0.5.") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256.") }
    }

    func run() throws {
        EngineThreads.set(threads)
        let theCross = try loadCross()
        let outputs = CountOutputs(directory: out)
        do { try outputs.prepare() } catch { throw InputFailure("\(error)") }
        if let review { return try applyCorrections(review, cross: theCross, outputs: outputs) }

        let counter = try loadCounter()
        let collected = ImageFileCollector.collect(photos)
        let problems = ProblemReport()
        for p in collected.problems { problems.add("\(p)") }
        guard !collected.files.isEmpty else {
            problems.lines.forEach { StandardError.line($0) }
            throw InputFailure("no photos to count")
        }
        let started = Date()
        let bar = ProgressBar(title: "counting", total: collected.files.count, unit: "photos", style: output.progressStyle)
        let (results, thumbnails) = counter.count(files: collected.files, decodeOptions: DecodeOptions(maxPixels: limits.maxPixels),
                                                  outputs: outputs, problems: problems) { bar.advance() }
        bar.finish()
        let t = Date()
        let analysis = try outputs.writeAll(results, thumbnails: thumbnails, cross: theCross, alpha: alpha, recombination: recombination,
                                            policy: bounds!, skipped: problems.lines, models: modelDescription)
        counter.addReportTime(Date().timeIntervalSince(t))
        printSummary(results, analysis: analysis, outputs: outputs, elapsed: Date().timeIntervalSince(started))
        if timings { printTimings(counter.timings, photos: results.count, flies: results.reduce(0) { $0 + $1.flies.count }) }
        if !problems.isEmpty {
            problems.lines.forEach { StandardError.line("skipped: \($0)") }
            StandardError.line(problems.summary(total: collected.files.count + collected.problems.count, unit: "photos"))
            throw BatchHadProblems()
        }
    }

    var modelDescription: String {
        "detector \(detector == "fast" || detector == "accurate" ? detector : (detector as NSString).lastPathComponent), classifier \(model.map { ($0 as NSString).lastPathComponent } ?? "traits-small (bundled)")\(ensemble.map { " + " + ($0 as NSString).lastPathComponent }.joined())\(crops.resolved.modelDescriptionSuffix)"
    }

    func loadCross() throws -> Cross {
        do {
            if Cross.builtInNames.contains(cross) { return try Cross.named(cross) }
            if FileManager.default.fileExists(atPath: cross) { return try Cross.read(path: cross) }
        } catch {
            throw InputFailure("\(error)")
        }
        throw InputFailure("--cross: '\(cross)' is neither a built-in cross (\(Cross.builtInNames.joined(separator: ", "))) nor a file")
    }

    func loadCounter() throws -> FlyCounter {
        try loadFlyCounter(detector: detector, model: model, ensemble: ensemble, threshold: threshold, review: bounds!, tiling: tiles, views: views,
                           merge: tileMerge, cropViews: crops.resolved)
    }

    func applyCorrections(_ file: String, cross: Cross, outputs: CountOutputs) throws {
        let previous: [PhotoCount]
        do { previous = try outputs.readPrevious() } catch { throw InputFailure("\(error)") }
        let corrections: Corrections, lineProblems: [String]
        do { (corrections, lineProblems) = try Corrections.read(path: file) } catch { throw InputFailure("\(error)") }
        let (corrected, applyProblems) = corrections.apply(to: previous.flatMap(\.flies))
        let byPhoto = Dictionary(grouping: corrected, by: \.photo)
        let photos = previous.map { p in PhotoCount(photo: p.photo, width: p.width, height: p.height, flies: byPhoto[p.photo] ?? [], notes: p.notes) }
        let problems = ProblemReport()
        var thumbnails: [ReviewThumbnail] = []
        for p in photos {
            // The photos are re-read only to redraw them and cut the review thumbnails.
            guard let image = try? ImageDecoder.decode(fileAt: p.photo).image else {
                problems.add("\(p.photo): cannot be read again, so its annotated copy and thumbnails are not redrawn")
                continue
            }
            outputs.writeAnnotated(p, image: image, problems: problems)
            thumbnails += CountOutputs.thumbnails(p.flies.filter { $0.review }, from: image)
        }
        let analysis = try outputs.writeAll(photos, thumbnails: thumbnails, cross: cross, alpha: alpha, recombination: recombination,
                                            policy: bounds!, skipped: problems.lines, models: "corrections from \(file)")
        printSummary(photos, analysis: analysis, outputs: outputs, elapsed: nil)
        let all = lineProblems + applyProblems + problems.lines
        if !all.isEmpty {
            all.forEach { StandardError.line("skipped: \($0)") }
            throw BatchHadProblems()
        }
    }

    func printSummary(_ photos: [PhotoCount], analysis: CrossAnalysis?, outputs: CountOutputs, elapsed: Double?) {
        let flies = photos.flatMap(\.flies)
        if output.json {
            print((try? JSONOutput.encode(CountTables.counts(flies))) ?? "{}")
            return
        }
        guard !output.quiet else { return }
        // Per-photo notes (no flies, unexpected fly size) also go to the terminal.
        for p in photos { for note in p.notes { StandardError.line("note: \(p.photo): \(note)") } }
        let counts = CountTables.counts(flies)
        var line = "\(flies.count) flies in \(photos.count) photos"
        if let elapsed { line += String(format: " (%.2f s)", elapsed) }
        print(line + "; \(flies.filter(\.review).count) need review")
        for p in Phenotype.all where counts[p] > 0 { print("  " + p.name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: "%5d", counts[p])) }
        if let analysis { print(analysis.conclusion.summary) }
        print("report: \(outputs.reportPath)")
    }

    func printTimings(_ t: CountTimings, photos: Int, flies: Int) {
        let rows = [("decode", t.decode), ("detect", t.detect), ("crop", t.crop), ("classify", t.classify), ("report", t.report)]
        StandardError.line(String(format: "timings for %d photos, %d flies (%d threads):", photos, flies, threads))
        func padded(_ s: String) -> String { s.padding(toLength: 9, withPad: " ", startingAt: 0) }
        for (name, s) in rows { StandardError.line("  " + padded(name) + String(format: " %8.3f s  %5.1f%%", s, 100 * s / max(t.total, 1e-9))) }
        StandardError.line("  " + padded("total") + String(format: " %8.3f s", t.total))
    }
}

extension ProblemReport: ProblemSink {}

/// The detector (fast = bundled, accurate, or a file) and trait classifier (a file or the
/// bundled one) of a count, shared by `count` and `bench count`.
func loadFlyCounter(detector: String, model: String?, ensemble: [String] = [], threshold: Float?, review: ReviewPolicy,
                    tiling: DetectorTiling, views: Int, merge: TileMerge = .overlaps, cropViews: CropViews = .single) throws -> FlyCounter {
    let detectorPath: String
    switch detector {
    case "fast":
        guard let p = DefaultModels.path(.fastDetector) else { throw InputFailure("the bundled fast detector is missing from this build; pass --detector FILE") }
        detectorPath = p
    case "accurate":
        throw InputFailure("the accurate detector is not bundled (it is too large): train it with scripts/train-detector.sh work/detector-accurate --model accurate and pass --detector work/detector-accurate/run/model.safetensors")
    default:
        detectorPath = detector
    }
    guard let classifierPath = model ?? DefaultModels.path(.traitClassifier) else {
        throw InputFailure("the bundled trait classifier is missing from this build; pass --model FILE")
    }
    do {
        let (d, fileThreshold) = try DetectorModelFile.load(detectorPath)
        let c = try TraitModelFile.load(classifierPath)
        let others = try ensemble.map { TraitPredictor(try TraitModelFile.load($0)) }
        return FlyCounter(detector: d, threshold: threshold ?? fileThreshold, classifier: TraitPredictor(c), ensemble: others,
                          review: review, tiling: tiling, views: views, merge: merge, cropViews: cropViews)
    } catch {
        throw InputFailure("\(error)")
    }
}
