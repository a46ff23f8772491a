import Foundation

/// Finds and reads a dataset from a path, whatever its format:
/// - a `.json` file, or a directory with `annotations.json` → COCO (images beside it or in `images/`);
/// - a directory with `classes.txt` → YOLO (images in the same directory or `images/`);
/// - a directory of `.xml` files → Pascal VOC.
public enum DatasetLoader {
    public struct Loaded: Sendable {
        public var result: DatasetReadResult
        public var format: String
        /// Where the images are (for tools that open them).
        public var imageDirectory: String
    }

    public static func load(_ path: String) -> Loaded {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return Loaded(result: DatasetReadResult(problems: [DatasetProblem(file: path, message: "no such file or directory")]),
                          format: "none", imageDirectory: path)
        }
        func imagesFolder(_ base: String) -> String {
            let sub = (base as NSString).appendingPathComponent("images")
            return fm.fileExists(atPath: sub) ? sub : base
        }
        if !isDirectory.boolValue {
            let base = (path as NSString).deletingLastPathComponent
            let directory = imagesFolder(base.isEmpty ? "." : base)
            return Loaded(result: COCOFormat.read(path: path, imageDirectory: directory), format: "COCO", imageDirectory: directory)
        }
        let coco = (path as NSString).appendingPathComponent("annotations.json")
        if fm.fileExists(atPath: coco) {
            let directory = imagesFolder(path)
            return Loaded(result: COCOFormat.read(path: coco, imageDirectory: directory), format: "COCO", imageDirectory: directory)
        }
        if fm.fileExists(atPath: (path as NSString).appendingPathComponent("classes.txt")) {
            let directory = imagesFolder(path)
            return Loaded(result: YOLOFormat.read(labelDirectory: path, imageDirectory: directory), format: "YOLO", imageDirectory: directory)
        }
        let entries = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        if entries.contains(where: { $0.lowercased().hasSuffix(".xml") }) {
            return Loaded(result: VOCFormat.readDirectory(path), format: "Pascal VOC", imageDirectory: imagesFolder(path))
        }
        return Loaded(result: DatasetReadResult(problems: [DatasetProblem(
            file: path, message: "no annotations found (expected annotations.json, classes.txt + .txt labels, or .xml files)")]),
                      format: "none", imageDirectory: path)
    }
}
