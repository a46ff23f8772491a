import ArgumentParser
import Detector
import ConsoleOutput
import Datasets
import Foundation
import Traits

/// `flytally eval`: evaluate a trait classifier on labelled data.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trait classifier (per-trait accuracy, precision/recall, confusion, calibration, keypoint error) or, with --detector, a fly detector (COCO AP, precision/recall, count error).",
        discussion: "--data takes crop directories or annotated photo sets, as `flytally train` does; --detector needs annotated photo sets.")

    @Option(help: ArgumentHelp("Model file (trait classifier, or detector with --detector).", valueName: "file"))
    var model: String

    @Option(parsing: .upToNextOption, help: ArgumentHelp("More trait classifiers: evaluate the mean of their trait probabilities with --model's (an ensemble, e.g. of INQ models); keypoints are not averaged.", valueName: "file"))
    var ensemble: [String] = []

    @Flag(help: "Also classify every crop mirrored left–right and average the trait probabilities (test-time augmentation; twice the work per model); the same as --crop-views 2.")
    var mirror = false

    @Option(name: .customLong("crop-views"), help: ArgumentHelp("Trait classifiers: average over 1 (the crop as cut; the default here), 2 (+ its mirror image, as --mirror) or 4 (+ both flipped top to bottom, as `count` reads flies) copies of each crop (test-time augmentation; the work grows with the copies).", valueName: "n"), transform: parseCropViews)
    var cropViewsOption: CropViews?

    /// The copies of each crop read: --crop-views, else --mirror's two, else one.
    var cropViews: CropViews { cropViewsOption ?? (mirror ? .mirrored : .single) }

    @Flag(help: "Evaluate a fly detector on annotated photos.")
    var detector = false

    @Option(help: "Detector operating threshold (default: the model file's).")
    var threshold: Float?

    @Option(help: ArgumentHelp("Detector: split each photo into an N×N grid of overlapping tiles (1…8), 'auto' as `count` does by default (tiles only where the flies come out small, the photo shrunk where they come out over 100 px), or 'auto-zoom' (as auto, with one enlarged pass instead of tiles).", valueName: "n|auto|auto-zoom"), transform: parseTiling)
    var tiles: DetectorTiling = .fixed(1)

    @Option(help: ArgumentHelp("Detector: average the output maps of 1, 2, 4 or 8 mirrored and transposed views of each input (test-time augmentation; the detection time grows with the views).", valueName: "n"), transform: parseViews)
    var views = 1

    @Option(name: .customLong("tile-merge"), help: ArgumentHelp("Detector: which boxes of overlapping tiles count as one fly, as `count --tile-merge` (default overlaps, as there).", valueName: "overlaps|across-tiles"), transform: parseTileMerge)
    var tileMerge: TileMerge = .overlaps

    @Flag(help: "Detector: score the design instead of the trained network — each photo's training targets decoded as a perfect network's output, at the model file's input size and stride and the chosen --tiles (what the design loses: centres in one or neighbouring cells, flies cut by tiles).")
    var ceiling = false

    @Option(name: .customLong("ceiling-anchor"), help: ArgumentHelp("Detector, with --ceiling: the point each fly's peak marks — centre (the box centre, as the shipped detectors) or head (the head tip, `peakAnchor` head in the training config; flies without head keypoints keep the centre).", valueName: "centre|head"), transform: parseCeilingAnchor)
    var ceilingAnchor: DetectorRecipe.PeakAnchor = .centre

    @Option(name: .customLong("data"), parsing: .upToNextOption, help: "Labelled data (one or more paths).")
    var data: [String]

    @Option(help: "Input size (default: the model's).")
    var size: Int?

    @Option(name: .customLong("per-crop"), help: ArgumentHelp("Trait classifiers: also write one CSV row per crop (labels, probabilities, keypoint errors in % of the crop side, the true wing tips' gap, the predicted keypoints in crop pixels).", valueName: "file.csv"))
    var perCrop: String?

    @Flag(help: "Print the metrics as JSON.")
    var json = false

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("Give at least one --data path.") }
        if let size, !(32...512).contains(size) { throw ValidationError("--size must be 32…512.") }
        if let threshold, !(threshold > 0 && threshold < 1) { throw ValidationError("--threshold must be within (0, 1).") }
        if !detector && views != 1 { throw ValidationError("--views is for detectors (--detector); trait classifiers take --mirror or --crop-views.") }
        if !detector && tileMerge != .overlaps { throw ValidationError("--tile-merge is for detectors (--detector).") }
        if ceiling && !detector { throw ValidationError("--ceiling is for detectors (--detector).") }
        if ceilingAnchor != .centre && !ceiling { throw ValidationError("--ceiling-anchor is for --ceiling.") }
        if ceiling && views != 1 { throw ValidationError("--ceiling scores the training targets, which have no views: leave --views at 1.") }
        if detector && (!ensemble.isEmpty || mirror || cropViewsOption != nil || perCrop != nil) {
            throw ValidationError("--ensemble, --mirror, --crop-views and --per-crop are for trait classifiers, not with --detector.")
        }
        if mirror, let cropViewsOption, cropViewsOption != .mirrored {
            throw ValidationError("--mirror means --crop-views 2; give one of them.")
        }
    }

    func run() throws {
        if detector { return try evaluateDetector() }
        let classifier: TraitClassifier
        do { classifier = try TraitModelFile.load(model) } catch { throw InputFailure("\(error)") }
        let (samples, problems) = loadAll(data) { TraitSampleLoader.load($0) }
        for problem in problems { StandardError.line("skipped: \(problem)") }
        guard !samples.isEmpty else { throw InputFailure("no usable labelled samples in \(data.joined(separator: ", "))") }
        var members = [classifier]
        for path in ensemble {
            do { members.append(try TraitModelFile.load(path)) } catch { throw InputFailure("\(error)") }
        }
        let predictions = TraitEvaluator.predict(members, samples: samples, size: size, views: cropViews)
        let metrics = TraitEvaluator.metrics(predictions, samples: samples)
        if let perCrop {
            do {
                try Data(TraitEvaluator.perCropCSV(predictions, samples: samples).utf8).write(to: URL(fileURLWithPath: perCrop), options: .atomic)
            } catch {
                throw InputFailure("\(perCrop): cannot write (\(error.localizedDescription))")
            }
        }
        if json {
            print(try JSONOutput.encode(metrics))
        } else {
            let averaged = ensemble.isEmpty && cropViews == .single ? "" : " (mean probabilities\(cropViews.evalDescription); keypoints of the first model\(cropViews == .single ? "" : ", averaged over the copies"))"
            print("model \(([model] + ensemble).joined(separator: " + "))\(averaged) on \(data.joined(separator: ", "))")
            print(metrics.text, terminator: "")
        }
        if !problems.isEmpty { throw BatchHadProblems() }
    }
}
