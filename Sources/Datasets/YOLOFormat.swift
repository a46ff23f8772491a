import Foundation
import ImageIO

/// YOLO txt labels: for each image `NAME.jpg` a `NAME.txt` with lines
/// `class cx cy w h` (normalised to 0…1), and a `classes.txt` naming the classes one per line.
/// Class names become traits where they contain trait words.
public enum YOLOFormat {
    /// - Parameters:
    ///   - labelDirectory: folder of .txt label files and classes.txt.
    ///   - imageDirectory: folder of the images (sizes are read from their headers).
    public static func read(labelDirectory: String, imageDirectory: String) -> DatasetReadResult {
        var result = DatasetReadResult()
        let classesPath = (labelDirectory as NSString).appendingPathComponent("classes.txt")
        guard let classesText = try? String(contentsOfFile: classesPath, encoding: .utf8) else {
            result.problems.append(DatasetProblem(file: classesPath, message: "missing classes.txt"))
            return result
        }
        let classes = classesText.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let images = ((try? FileManager.default.contentsOfDirectory(atPath: imageDirectory)) ?? [])
            .filter { ImageFormat.fileExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        if images.isEmpty { result.problems.append(DatasetProblem(file: imageDirectory, message: "no images")) }
        for (index, name) in images.enumerated() {
            let labelPath = (labelDirectory as NSString).appendingPathComponent((name as NSString).deletingPathExtension + ".txt")
            let imagePath = (imageDirectory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: labelPath, encoding: .utf8) else {
                result.problems.append(DatasetProblem(file: labelPath, message: "no label file for \(name)"))
                continue
            }
            let size: (width: Int, height: Int)
            do {
                size = try ImageDecoder.dimensions(fileAt: imagePath)
            } catch {
                result.problems.append(DatasetProblem(file: imagePath, message: "\(error.error)"))
                continue
            }
            var image = AnnotatedImage(id: index + 1, fileName: name, width: size.width, height: size.height)
            for (lineIndex, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if fields.isEmpty { continue }
                let record = "line \(lineIndex + 1)"
                guard fields.count == 5, let c = Int(fields[0]), let v = Optional(fields[1...].compactMap(Double.init)), v.count == 4 else {
                    result.problems.append(DatasetProblem(file: labelPath, record: record, message: "expected 'class cx cy w h'"))
                    continue
                }
                guard classes.indices.contains(c) else {
                    result.problems.append(DatasetProblem(file: labelPath, record: record, message: "unknown class \(c) (classes.txt has \(classes.count))"))
                    continue
                }
                let w = Double(size.width), h = Double(size.height)
                let box = BoundingBox(x: (v[0] - v[2] / 2) * w, y: (v[1] - v[3] / 2) * h, width: v[2] * w, height: v[3] * h)
                if let problem = boxProblem(box, imageWidth: size.width, imageHeight: size.height) {
                    result.problems.append(DatasetProblem(file: labelPath, record: record, message: problem))
                    continue
                }
                image.flies.append(FlyAnnotation(id: image.flies.count + 1, box: box, traits: FlyTraits.parse(label: classes[c])))
            }
            result.images.append(image)
        }
        return result
    }
}
