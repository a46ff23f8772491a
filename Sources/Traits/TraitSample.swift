import Datasets
import Foundation
import ImageIO
import ImageProcessing

/// One fly crop with its labels, ready for training or evaluation.
public struct TraitSample: Sendable {
    public var image: RGBImage
    public var traits: FlyTraits
    /// Keypoints in crop pixels, when known (FlySim); real photos usually have none.
    public var keypoints: FlyKeypoints?
    /// Where it came from ("photo.jpg#12", "crops/p_fly3.png").
    public var source: String
    /// Labelled by a teacher model rather than a person.
    public var pseudoLabelled: Bool
    /// The fly's box in crop pixels, when known: what `framingJitter` re-frames the crop around.
    public var box: BoundingBox?

    public init(image: RGBImage, traits: FlyTraits, keypoints: FlyKeypoints?, source: String, pseudoLabelled: Bool = false,
                box: BoundingBox? = nil) {
        self.image = image
        self.traits = traits
        self.keypoints = keypoints
        self.source = source
        self.pseudoLabelled = pseudoLabelled
        self.box = box
    }

    /// Shrinks the crop so its longer side is at most `maxSide`, scaling the keypoints with it.
    func limited(to maxSide: Int) -> TraitSample {
        guard max(image.width, image.height) > maxSide else { return self }
        let resized = image.resized(maxSide: maxSide)
        var copy = self
        copy.image = resized
        let sx = Double(resized.width) / Double(image.width), sy = Double(resized.height) / Double(image.height)
        copy.keypoints = keypoints?.mapped { p in Point2D(p.x * sx, p.y * sy) }
        if let b = box { copy.box = BoundingBox(x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy) }
        return copy
    }
}

/// Reads training/evaluation samples from a path:
/// - a directory with `crops.csv` (FlyTally's crop export: crop files + traits + keypoints);
/// - anything `DatasetLoader` reads (COCO / YOLO / VOC + photos): flies are cut from the photos
///   with a margin, in memory (real photos are never copied anywhere).
public enum TraitSampleLoader {
    /// Crops are kept at most this large in memory (training inputs are ≤ 224 px).
    public static let maxStoredSide = 256

    /// - Parameter margin: around each box of an annotated photo set (crop directories hold
    ///   crops already cut, with the standard margin). A wider margin keeps context for
    ///   `framingJitter`; the stored size grows with it, so the fly keeps its resolution.
    public static func load(_ path: String, margin: Double = CropFraming.standardMargin) -> (samples: [TraitSample], problems: [DatasetProblem]) {
        let csv = (path as NSString).appendingPathComponent("crops.csv")
        if FileManager.default.fileExists(atPath: csv) { return loadCrops(directory: path) }
        let loaded = DatasetLoader.load(path)
        var samples: [TraitSample] = [], problems = loaded.result.problems
        for image in loaded.result.images where !image.flies.isEmpty {
            let photoPath = (loaded.imageDirectory as NSString).appendingPathComponent(image.fileName)
            let photo: RGBImage
            do {
                photo = try ImageDecoder.decode(fileAt: photoPath).image
            } catch {
                problems.append(DatasetProblem(file: photoPath, message: "\(error.error)"))
                continue
            }
            let maxSide = Int(Double(maxStoredSide) * (1 + 2 * margin) / (1 + 2 * CropFraming.standardMargin))
            for fly in image.flies {
                let (crop, local) = FlyCropper.crop(photo, fly: fly, margin: margin)
                samples.append(TraitSample(image: crop, traits: fly.traits, keypoints: local.keypoints,
                                           source: "\(image.fileName)#\(fly.id)", box: local.box).limited(to: max(maxStoredSide, maxSide)))
            }
        }
        return (samples, problems)
    }

    static func loadCrops(directory: String) -> (samples: [TraitSample], problems: [DatasetProblem]) {
        let (rows, csvProblems) = TraitCSV.read(path: (directory as NSString).appendingPathComponent("crops.csv"))
        var samples: [TraitSample] = [], problems = csvProblems
        for row in rows {
            let path = (directory as NSString).appendingPathComponent(row.file)
            do {
                let image = try ImageDecoder.decode(fileAt: path).image
                samples.append(TraitSample(image: image, traits: row.fly.traits, keypoints: row.fly.keypoints, source: row.file,
                                           pseudoLabelled: row.pseudoLabelled, box: row.fly.box)
                    .limited(to: maxStoredSide))
            } catch {
                problems.append(DatasetProblem(file: path, message: "\(error.error)"))
            }
        }
        return (samples, problems)
    }
}
