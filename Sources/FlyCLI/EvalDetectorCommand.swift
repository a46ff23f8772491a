import ConsoleOutput
import Datasets
import Detector
import Foundation

/// `flytally eval --detector`: COCO-style metrics of a detector on annotated photos.
extension Eval {
    func evaluateDetector() throws {
        let loaded: (model: FlyDetector, threshold: Float)
        do { loaded = try DetectorModelFile.load(model) } catch { throw InputFailure("\(error)") }
        // Original pixels: evaluation sees the photos exactly as `count` would.
        let (samples, problems) = loadAll(data) { DetectorSampleLoader.load($0, maxSide: nil) }
        for problem in problems { StandardError.line("skipped: \(problem)") }
        guard !samples.isEmpty else { throw InputFailure("no usable annotated photos in \(data.joined(separator: ", "))") }
        let bar = ProgressBar(title: "detecting", total: samples.count, unit: "photos", style: .automatic(quiet: false))
        let operating = threshold ?? loaded.threshold
        let metrics = ceiling
            ? DetectorEvaluator.ceiling(loaded.model.configuration, samples: samples, threshold: operating, tiling: tiles,
                                           merge: tileMerge, anchor: ceilingAnchor) { _, _ in bar.advance() }
            : DetectorEvaluator.evaluate(loaded.model, samples: samples, threshold: operating, tiling: tiles, views: views,
                                           merge: tileMerge) { _, _ in bar.advance() }
        bar.finish()
        if json {
            print(try JSONOutput.encode(metrics))
        } else {
            let options = [tiles == .fixed(1) ? nil : "tiles: \(tiles)", views == 1 ? nil : "views: \(views)",
                           tileMerge == .overlaps ? nil : "tile merge: \(tileMerge)",
                           ceilingAnchor == .centre ? nil : "peaks on heads"].compactMap { $0 }
            let subject = ceiling ? "the design's ceiling (training targets as the output) of detector \(model)" : "detector \(model)"
            print("\(subject) on \(data.joined(separator: ", "))\(options.isEmpty ? "" : " (\(options.joined(separator: ", ")))")")
            print(metrics.text, terminator: "")
        }
        if !problems.isEmpty { throw BatchHadProblems() }
    }
}
