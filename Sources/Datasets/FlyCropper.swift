import Foundation
import ImageIO
import ImageProcessing

/// Cuts single flies out of full-size photos for the trait classifier.
public enum FlyCropper {
    /// The square region (top-left pixel and side) around a box: centred on the box, side =
    /// longer box side × (1 + 2·margin), at least 1 pixel. May extend past the photo.
    public static func region(for box: BoundingBox, margin: Double) -> (x: Int, y: Int, side: Int) {
        let side = max(1, Int((max(box.width, box.height) * (1 + 2 * margin)).rounded()))
        let c = box.center
        return (Int((c.x - Double(side) / 2).rounded()), Int((c.y - Double(side) / 2).rounded()), side)
    }

    /// The crop of one fly (outside the photo filled with `fill`) and the fly's annotation in
    /// crop coordinates (box and keypoints shifted by the crop's origin).
    public static func crop(_ image: RGBImage, fly: FlyAnnotation, margin: Double = 0.15,
                            fill: RGB = RGB(128, 128, 128)) -> (image: RGBImage, fly: FlyAnnotation) {
        let r = region(for: fly.box, margin: margin)
        let crop = image.cropped(x: r.x, y: r.y, width: r.side, height: r.side, fill: fill)
        return (crop, fly.shifted(dx: -Double(r.x), dy: -Double(r.y)))
    }
}

extension FlyAnnotation {
    /// The same fly with every coordinate moved by (dx, dy).
    public func shifted(dx: Double, dy: Double) -> FlyAnnotation {
        var copy = self
        copy.box.x += dx
        copy.box.y += dy
        func move(_ p: Point2D) -> Point2D { Point2D(p.x + dx, p.y + dy) }
        copy.keypoints = keypoints?.mapped(move)
        if var o = orientedBox {
            o.center = move(o.center)
            copy.orientedBox = o
        }
        return copy
    }
}

/// Writes crops of every fly and a trait CSV (`crops.csv`) with boxes and keypoints in crop
/// coordinates; crop files are named `<photo stem>_fly<id>.png`.
public struct CropExporter {
    public let directory: String
    public var margin: Double = 0.15
    private(set) public var rows: [TraitCSV.Row] = []

    public init(directory: String, margin: Double = 0.15) {
        self.directory = directory
        self.margin = margin
    }

    /// Crops and writes every fly of one photo.
    public mutating func add(photo: RGBImage, annotation: AnnotatedImage) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stem = ((annotation.fileName as NSString).lastPathComponent as NSString).deletingPathExtension
        for fly in annotation.flies {
            let (image, local) = FlyCropper.crop(photo, fly: fly, margin: margin)
            let name = "\(stem)_fly\(fly.id).png"
            try ImageEncoder.write(image, to: (directory as NSString).appendingPathComponent(name))
            rows.append(TraitCSV.Row(file: name, fly: local))
        }
    }

    /// Writes `crops.csv` (atomically).
    public func finish() throws {
        try TraitCSV.write(rows, to: (directory as NSString).appendingPathComponent("crops.csv"))
    }
}
