import Datasets
import Foundation
import ImageIO
import ImageProcessing

/// A photo and its fly boxes, kept in memory at a bounded size for detector training/evaluation.
public struct DetectorSample: Sendable {
    public var image: RGBImage
    /// Fly boxes in `image`'s pixels.
    public var boxes: [BoundingBox]
    /// Each box's fly's head tip in `image`'s pixels, where the annotations give one (FlySim's
    /// COCO keypoints; nil for photos labelled with boxes only): the peak of a detector trained
    /// with `peakAnchor` head.
    public var heads: [Point2D?]
    /// Where it came from (file name), for reports.
    public var source: String
    /// Photo pixels per stored pixel (1 unless the photo was shrunk on loading).
    public var shrink: Double

    public init(image: RGBImage, boxes: [BoundingBox], heads: [Point2D?]? = nil, source: String, shrink: Double = 1) {
        precondition(heads == nil || heads!.count == boxes.count, "one head (or nil) per box")
        self.image = image
        self.boxes = boxes
        self.heads = heads ?? Array(repeating: nil, count: boxes.count)
        self.source = source
        self.shrink = shrink
    }

    /// Long side of the median fly box (0 without flies).
    var medianFlySide: Double {
        let sides = boxes.map { max($0.width, $0.height) }.sorted()
        return sides.isEmpty ? 0 : sides[sides.count / 2]
    }
}

/// Reads annotated photo sets (COCO / YOLO / VOC, as `DatasetLoader` finds them).
public enum DetectorSampleLoader {
    /// - Parameter maxSide: photos larger than this are shrunk on loading (training crops
    ///   never need more detail; evaluation passes nil to keep the original pixels).
    public static func load(_ path: String, maxSide: Int? = 1600) -> (samples: [DetectorSample], problems: [DatasetProblem]) {
        let loaded = DatasetLoader.load(path)
        var samples: [DetectorSample] = [], problems = loaded.result.problems
        if loaded.result.images.isEmpty && problems.isEmpty {
            problems.append(DatasetProblem(file: path, message: "no annotated photos found (COCO annotations.json, YOLO classes.txt or VOC .xml expected)"))
        }
        for entry in loaded.result.images {
            let photoPath = (loaded.imageDirectory as NSString).appendingPathComponent(entry.fileName)
            var photo: RGBImage
            do {
                photo = try ImageDecoder.decode(fileAt: photoPath).image
            } catch {
                problems.append(DatasetProblem(file: photoPath, message: "\(error.error)"))
                continue
            }
            let flies = entry.flies.filter { $0.box.width > 0 && $0.box.height > 0 }
            var boxes = flies.map(\.box), heads = flies.map { $0.keypoints?.head }
            var shrink = 1.0
            if let maxSide, max(photo.width, photo.height) > maxSide {
                shrink = Double(max(photo.width, photo.height)) / Double(maxSide)
                photo = photo.resized(width: max(1, Int((Double(photo.width) / shrink).rounded())),
                                      height: max(1, Int((Double(photo.height) / shrink).rounded())))
                boxes = boxes.map { BoundingBox(x: $0.x / shrink, y: $0.y / shrink, width: $0.width / shrink, height: $0.height / shrink) }
                heads = heads.map { $0.map { Point2D($0.x / shrink, $0.y / shrink) } }
            }
            samples.append(DetectorSample(image: photo, boxes: boxes, heads: heads, source: photoPath, shrink: shrink))
        }
        return (samples, problems)
    }
}
