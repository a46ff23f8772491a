import Datasets
import Detector
import Foundation
import ImageIO
import ImageProcessing
import TensorKernels
import Traits

/// Seconds spent in each stage of a count (the `--timings` breakdown).
public struct CountTimings: Sendable, Codable, Equatable {
    public var decode = 0.0
    public var detect = 0.0
    public var crop = 0.0
    public var classify = 0.0
    public var report = 0.0
    public var total: Double { decode + detect + crop + classify + report }
    public init() {}
}

/// One photo's outcome.
public struct PhotoCount: Sendable {
    public var photo: String
    public var width: Int
    public var height: Int
    public var flies: [FlyRecord]
    /// Warnings about this photo (e.g. flies far larger or smaller than trained).
    public var notes: [String]

    public init(photo: String, width: Int, height: Int, flies: [FlyRecord], notes: [String]) {
        self.photo = photo
        self.width = width
        self.height = height
        self.flies = flies
        self.notes = notes
    }
}

/// The counting pipeline: detect every fly in a photo, crop it from the full-size photo,
/// classify the crops in batches (across photos), and turn the outputs into records.
public final class FlyCounter {
    public let detector: FlyDetector
    public let threshold: Float
    public let classifier: TraitPredictor
    /// More classifiers whose trait probabilities are averaged with `classifier`'s (an
    /// ensemble); keypoints and the crop size come from `classifier`.
    public let ensemble: [TraitPredictor]
    public let review: ReviewPolicy
    /// How photos are split for detection (see `DetectorTiling`).
    public let tiling: DetectorTiling
    /// Test-time views the detector averages per input (`DetectorViews`).
    public let views: Int
    /// How boxes of overlapping tiles are merged (`TileMerge`).
    public let merge: TileMerge
    /// The copies of each crop classified, their trait probabilities averaged (test-time
    /// augmentation, `CropViews`: a fly and its mirror image have the same traits; the work grows
    /// with the copies; the keypoints found on each copy are mapped back and averaged in too).
    public let cropViews: CropViews
    /// Crop margin around the detected box: a little wider than training's standard 0.15,
    /// because the detector's boxes run short of the wing tips on unfamiliar photos (median
    /// 0.87 of the true length on FlySim's held-out domain). The bundled classifier trained with
    /// `framingJitter` 0.25, so this frame (1.08× the standard) is well inside what it saw;
    /// docs/RESULTS.md, "Framing jitter".
    public let margin = 0.2
    public private(set) var timings = CountTimings()

    public init(detector: FlyDetector, threshold: Float, classifier: TraitPredictor, ensemble: [TraitPredictor] = [],
                review: ReviewPolicy = ReviewPolicy(), tiling: DetectorTiling = .fixed(1), views: Int = 1,
                merge: TileMerge = .overlaps, cropViews: CropViews = .single) {
        precondition(DetectorViews.counts.contains(views), "views must be 1, 2, 4 or 8")
        self.detector = detector
        self.threshold = threshold
        self.classifier = classifier
        self.ensemble = ensemble
        self.review = review
        self.tiling = tiling
        self.views = views
        self.merge = merge
        self.cropViews = cropViews
    }

    /// A photo waiting for its crops to be classified.
    public struct Pending: Sendable {
        var photo: String
        var width: Int
        var height: Int
        var detections: [Detection]
        var regions: [(x: Int, y: Int, side: Int)]
        var crops: [RGBImage]
        var notes: [String]
    }

    /// Decodes and detects one photo and cuts its crops (at the classifier's input size); the
    /// decoded photo comes back too, for the annotated copy.
    public func prepareKeepingPhoto(path: String, decodeOptions: DecodeOptions) throws(ImageFileError) -> (Pending, RGBImage) {
        var t = Date()
        let decoded = try ImageDecoder.decode(fileAt: path, options: decodeOptions)
        timings.decode += Date().timeIntervalSince(t)
        return (prepare(photo: decoded.image, name: path, started: &t), decoded.image)
    }

    public func prepare(photo: RGBImage, name: String) -> Pending {
        var t = Date()
        return prepare(photo: photo, name: name, started: &t)
    }

    private func prepare(photo: RGBImage, name: String, started t: inout Date) -> Pending {
        t = Date()
        let (detections, tiles, zoom) = detector.detect(photo, threshold: threshold, tiling: tiling, views: views, merge: merge)
        timings.detect += Date().timeIntervalSince(t)
        t = Date()
        var regions: [(x: Int, y: Int, side: Int)] = [], crops: [RGBImage] = []
        for d in detections {
            let r = FlyCropper.region(for: d.box, margin: margin)
            regions.append(r)
            // Shrink big crops straight away: only the classifier's input size is ever needed.
            let crop = photo.cropped(x: r.x, y: r.y, width: r.side, height: r.side, fill: RGB(128, 128, 128))
            crops.append(crop.resized(width: classifier.inputSize, height: classifier.inputSize))
        }
        timings.crop += Date().timeIntervalSince(t)
        let notes = ScaleCheck.notes(boxes: sizingBoxes(photo, detections: detections), photoWidth: photo.width,
                                     photoHeight: photo.height, detectorInput: detector.configuration.inputSize, tiles: tiles,
                                     zoom: zoom) + closeUpNote(photo, detections: detections)
        return Pending(photo: name, width: photo.width, height: photo.height, detections: detections, regions: regions,
                       crops: crops, notes: notes)
    }

    /// The boxes the size check judges a photo's flies by. On fixed tiles (n > 1) not the
    /// detections: where the flies are too large for the tiles, they come out as fragments of
    /// ordinary size (the real close-ups of ../shared/data/real-aarongs on 3×3 tiles: 432 boxes
    /// for 155 flies, docs/RESULTS.md, "Fitting a few photos") and no note would be given. So
    /// the flies of one whole-photo pass are measured instead, as the tiles enlarge them — one
    /// more pass, only when fixed tiles were asked for.
    private func sizingBoxes(_ photo: RGBImage, detections: [Detection]) -> [BoundingBox] {
        guard case .fixed(let n) = tiling, n > 1 else { return detections.map(\.box) }
        let t = Date()
        defer { timings.detect += Date().timeIntervalSince(t) }
        return detector.detect(photo, threshold: threshold, tiling: .fixed(1)).detections.map(\.box)
    }

    /// On `--tiles 1` a close-up's flies can be too large for the detector without its boxes
    /// showing it: they stop growing near 100 px at its input however large the flies are
    /// (docs/RESULTS.md, "Close-up photos"), so `ScaleCheck` sees ordinary sizes. The automatic
    /// policy's probe judges the pass already made (its small passes run only where the flies
    /// come out large), and the note names the fix when it would shrink the photo.
    private func closeUpNote(_ photo: RGBImage, detections: [Detection]) -> [String] {
        guard case .fixed(1) = tiling, !detections.isEmpty else { return [] }
        let t = Date()
        defer { timings.detect += Date().timeIntervalSince(t) }
        guard let zoom = detector.automaticShrinkZoom(photo, firstPass: detections.map(\.box), threshold: threshold, views: views) else {
            return []
        }
        return [String(format: "flies look too large for the detector here (--tiles auto would detect them on the photo shrunk to %.0f %%): use --tiles auto (the default), or photograph from further away", 100 * zoom)]
    }

    /// Classifies the crops of several photos in shared batches and builds the records.
    public func finish(_ pending: [Pending]) -> [PhotoCount] {
        let t = Date()
        let predictions = classifier.predict(pending.flatMap(\.crops), averagingWith: ensemble, views: cropViews)
        timings.classify += Date().timeIntervalSince(t)
        var next = 0, results: [PhotoCount] = []
        for p in pending {
            var flies: [FlyRecord] = []
            for (i, d) in p.detections.enumerated() {
                let prediction = predictions[next]
                next += 1
                let traits = TraitEncoding.traits(probabilities: prediction.probabilities)
                let r = p.regions[i], k = Double(r.side) / Double(classifier.inputSize)
                let keypoints = prediction.keypoints.map { kp in
                    FlyRecord.Keypoints(kp.mapped { q in Point2D(Double(r.x) + q.x * k, Double(r.y) + q.y * k) })
                }
                let pr = prediction.probabilities
                flies.append(FlyRecord(photo: p.photo, fly: i + 1, box: [d.box.x, d.box.y, d.box.width, d.box.height], score: d.score,
                                       eye: traits.eye!.rawValue, wing: traits.wing!.rawValue, sex: traits.sex!.rawValue,
                                       pWhite: pr[0], pMiniature: pr[1], pMale: pr[2], keypoints: keypoints,
                                       review: review.needsReview(pr), corrected: false))
            }
            var notes = p.notes
            if flies.isEmpty { notes.append("no flies found") }
            results.append(PhotoCount(photo: p.photo, width: p.width, height: p.height, flies: flies, notes: notes))
        }
        return results
    }

    public func addReportTime(_ seconds: Double) { timings.report += seconds }

    public func resetTimings() { timings = CountTimings() }
}

extension FlyCounter {
    /// The whole per-photo part of a count: decode, detect and crop photo by photo, classify in
    /// groups of `group` photos, draw each annotated copy and cut the review thumbnails.
    /// Unreadable photos are reported to `problems` and skipped.
    public func count(files: [String], decodeOptions: DecodeOptions, outputs: CountOutputs?, problems: ProblemSink,
                      group: Int = 8, photoDone: () -> Void = {}) -> (photos: [PhotoCount], thumbnails: [ReviewThumbnail]) {
        var results: [PhotoCount] = [], thumbnails: [ReviewThumbnail] = []
        for start in stride(from: 0, to: files.count, by: group) {
            var pending: [Pending] = [], decoded: [RGBImage] = []
            for path in files[start..<min(start + group, files.count)] {
                do {
                    let (p, image) = try prepareKeepingPhoto(path: path, decodeOptions: decodeOptions)
                    pending.append(p)
                    decoded.append(image)
                } catch {
                    problems.add("\(error)")
                }
                photoDone()
            }
            let counted = finish(pending)
            let t = Date()
            // The photos are independent here: drawing and encoding their annotated copies (the
            // largest stage of a count) runs on the engine's threads, thumbnails kept in photo order.
            let perPhoto = parallelMap(min(counted.count, decoded.count)) { i -> [ReviewThumbnail] in
                outputs?.writeAnnotated(counted[i], image: decoded[i], problems: problems)
                return CountOutputs.thumbnails(counted[i].flies.filter(\.review), from: decoded[i])
            }
            thumbnails += perPhoto.joined()
            timings.report += Date().timeIntervalSince(t)
            results += counted
        }
        return (results, thumbnails)
    }
}
