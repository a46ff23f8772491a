import Foundation
import ImageProcessing

/// COCO JSON, FlyTally's native annotation format: one category "fly" with keypoints
/// [head, tail, wing1, wing2] (visibility flag 2 = visible, 1 = hidden under another fly or
/// outside the photo; FlySim writes both), and per annotation an `attributes` object
/// {eye, wing, sex, pose, truncated, visible_fraction} ("unknown" or absent = not known) and
/// an optional `oriented_box` {cx, cy, length, width, angle}.
public enum COCOFormat {
    public static let keypointNames = FlyKeypoints.names

    /// Reads a COCO file. Records with problems (unknown image or category, duplicate id, box
    /// outside its image, malformed values) are reported and skipped.
    /// - Parameter imageDirectory: when given, images whose file is missing there are reported and skipped.
    public static func read(path: String, imageDirectory: String? = nil) -> DatasetReadResult {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            return DatasetReadResult(problems: [DatasetProblem(file: path, message: "cannot read file (\(error.localizedDescription))")])
        }
        return decode(data, source: path, imageDirectory: imageDirectory)
    }

    public static func decode(_ data: Data, source: String, imageDirectory: String? = nil) -> DatasetReadResult {
        var result = DatasetReadResult()
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            result.problems.append(DatasetProblem(file: source, message: "malformed JSON (\(describeJSONError(error)))"))
            return result
        }
        guard let root = json as? [String: Any] else {
            result.problems.append(DatasetProblem(file: source, message: "top level is not a JSON object"))
            return result
        }
        guard let imagesJSON = root["images"] as? [Any] else {
            result.problems.append(DatasetProblem(file: source, message: "no \"images\" array"))
            return result
        }
        // Categories: an annotation must name a known one.
        var categories = Set<Int>()
        for (index, entry) in ((root["categories"] as? [Any]) ?? []).enumerated() {
            guard let c = entry as? [String: Any], let id = integer(c["id"]) else {
                result.problems.append(DatasetProblem(file: source, record: "category \(index)", message: "category without an integer id"))
                continue
            }
            categories.insert(id)
        }
        var images: [Int: AnnotatedImage] = [:]
        var order: [Int] = []
        for (index, entry) in imagesJSON.enumerated() {
            let record = "image \(index)"
            guard let image = entry as? [String: Any], let id = integer(image["id"]),
                  let fileName = image["file_name"] as? String, let width = integer(image["width"]), let height = integer(image["height"]) else {
                result.problems.append(DatasetProblem(file: source, record: record, message: "image needs id, file_name, width and height"))
                continue
            }
            guard width > 0, height > 0 else {
                result.problems.append(DatasetProblem(file: source, record: "image \(id)", message: "size \(width)x\(height) is not positive"))
                continue
            }
            guard images[id] == nil else {
                result.problems.append(DatasetProblem(file: source, record: "image \(id)", message: "duplicate image id \(id); the first is kept"))
                continue
            }
            if let directory = imageDirectory,
               !FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(fileName)) {
                result.problems.append(DatasetProblem(file: source, record: "image \(id)", message: "image file \(fileName) not found in \(directory)"))
                continue
            }
            images[id] = AnnotatedImage(id: id, fileName: fileName, width: width, height: height)
            order.append(id)
        }
        var annotationIDs = Set<Int>()
        for (index, entry) in ((root["annotations"] as? [Any]) ?? []).enumerated() {
            guard let a = entry as? [String: Any] else {
                result.problems.append(DatasetProblem(file: source, record: "annotation \(index)", message: "not a JSON object"))
                continue
            }
            let id = integer(a["id"]) ?? -1
            let record = id >= 0 ? "annotation \(id)" : "annotation \(index)"
            guard id >= 0 else {
                result.problems.append(DatasetProblem(file: source, record: record, message: "annotation without an integer id"))
                continue
            }
            guard annotationIDs.insert(id).inserted else {
                result.problems.append(DatasetProblem(file: source, record: record, message: "duplicate annotation id \(id); the first is kept"))
                continue
            }
            guard let imageID = integer(a["image_id"]), var image = images[imageID] else {
                result.problems.append(DatasetProblem(file: source, record: record, message: "image_id \(String(describing: a["image_id"] ?? "missing")) names no usable image"))
                continue
            }
            if !categories.isEmpty || a["category_id"] != nil {
                guard let category = integer(a["category_id"]), categories.contains(category) else {
                    result.problems.append(DatasetProblem(file: source, record: record, message: "unknown category_id \(String(describing: a["category_id"] ?? "missing"))"))
                    continue
                }
            }
            guard let b = doubles(a["bbox"]), b.count == 4 else {
                result.problems.append(DatasetProblem(file: source, record: record, message: "bbox must be [x, y, width, height]"))
                continue
            }
            let box = BoundingBox(x: b[0], y: b[1], width: b[2], height: b[3])
            if let problem = boxProblem(box, imageWidth: image.width, imageHeight: image.height) {
                result.problems.append(DatasetProblem(file: source, record: record, message: problem))
                continue
            }
            var fly = FlyAnnotation(id: id, box: box)
            if let k = doubles(a["keypoints"]), k.count == 12, (0..<4).allSatisfy({ k[$0 * 3 + 2] > 0 }) {
                // COCO's flags: 2 = labelled and visible, 1 = labelled but hidden (0 = unlabelled).
                fly.keypoints = FlyKeypoints(head: Point2D(k[0], k[1]), tail: Point2D(k[3], k[4]),
                                             wing1: Point2D(k[6], k[7]), wing2: Point2D(k[9], k[10]),
                                             visible: (0..<4).map { k[$0 * 3 + 2] >= 2 })
            }
            if let o = a["oriented_box"] as? [String: Any], let cx = number(o["cx"]), let cy = number(o["cy"]),
               let length = number(o["length"]), let width = number(o["width"]), let angle = number(o["angle"]) {
                fly.orientedBox = OrientedBox(center: Point2D(cx, cy), length: length, width: width, angleDegrees: angle)
            }
            if let attributes = a["attributes"] as? [String: Any] {
                fly.traits = FlyTraits(eye: (attributes["eye"] as? String).flatMap(EyeColour.init(rawValue:)),
                                       wing: (attributes["wing"] as? String).flatMap(WingLength.init(rawValue:)),
                                       sex: (attributes["sex"] as? String).flatMap(Sex.init(rawValue:)))
                fly.pose = (attributes["pose"] as? String).flatMap(Pose.init(rawValue:))
                fly.truncated = (attributes["truncated"] as? Bool) ?? false
                fly.visibleFraction = number(attributes["visible_fraction"])
            }
            image.flies.append(fly)
            images[imageID] = image
        }
        result.images = order.compactMap { images[$0] }
        return result
    }

    /// The COCO document for `images` (keys sorted, so files are stable across runs).
    public static func encode(_ images: [AnnotatedImage], description: String = "FlyTally") throws -> Data {
        var annotations: [[String: Any]] = []
        for image in images {
            for fly in image.flies {
                var a: [String: Any] = [
                    "id": fly.id, "image_id": image.id, "category_id": 1, "iscrowd": 0,
                    "bbox": [fly.box.x, fly.box.y, fly.box.width, fly.box.height].map(rounded), "area": rounded(fly.box.area),
                ]
                var attributes: [String: Any] = [
                    "eye": fly.traits.eye?.rawValue ?? "unknown", "wing": fly.traits.wing?.rawValue ?? "unknown",
                    "sex": fly.traits.sex?.rawValue ?? "unknown", "pose": fly.pose?.rawValue ?? "unknown",
                    "truncated": fly.truncated,
                ]
                if let visible = fly.visibleFraction { attributes["visible_fraction"] = rounded(visible) }
                a["attributes"] = attributes
                if let k = fly.keypoints {
                    a["keypoints"] = zip(k.all, k.visible).flatMap { p, seen -> [Double] in [rounded(p.x), rounded(p.y), seen ? 2 : 1] }
                    a["num_keypoints"] = 4
                } else {
                    a["keypoints"] = [Double](repeating: 0, count: 12)
                    a["num_keypoints"] = 0
                }
                if let o = fly.orientedBox {
                    a["oriented_box"] = ["cx": rounded(o.center.x), "cy": rounded(o.center.y), "length": rounded(o.length),
                                         "width": rounded(o.width), "angle": rounded(o.angleDegrees)]
                }
                annotations.append(a)
            }
        }
        let root: [String: Any] = [
            "info": ["description": description],
            "images": images.map { ["id": $0.id, "file_name": $0.fileName, "width": $0.width, "height": $0.height] },
            "categories": [["id": 1, "name": "fly", "supercategory": "insect", "keypoints": keypointNames,
                            "skeleton": [[1, 2]]]],
            "annotations": annotations,
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// Writes atomically (temporary file + rename).
    public static func write(_ images: [AnnotatedImage], to path: String, description: String = "FlyTally") throws {
        try encode(images, description: description).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func rounded(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
}

// JSONSerialization hands numbers back as NSNumber; these accept integers written as 3 or 3.0.
func integer(_ value: Any?) -> Int? {
    guard let n = value as? NSNumber else { return nil }
    let d = n.doubleValue
    guard d.isFinite, d == d.rounded(), abs(d) < 9e15 else { return nil }
    return Int(d)
}

func number(_ value: Any?) -> Double? {
    guard let n = value as? NSNumber else { return nil }
    return n.doubleValue.isFinite ? n.doubleValue : nil
}

func doubles(_ value: Any?) -> [Double]? {
    guard let array = value as? [Any] else { return nil }
    let values = array.compactMap(number)
    return values.count == array.count ? values : nil
}

func describeJSONError(_ error: Error) -> String {
    let ns = error as NSError
    if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
    return ns.localizedDescription
}
