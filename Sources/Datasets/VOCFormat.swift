import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Pascal VOC XML as written by LabelImg: one file per image with `<filename>`, `<size>` and
/// `<object><name>…</name><bndbox><xmin>…</xmin>…</bndbox></object>`. Object names become
/// traits where they contain trait words ("white-miniature-male"); "fly" gives unknown traits.
public enum VOCFormat {
    /// Reads every `.xml` file in `directory` (sorted by name); each file is one image.
    public static func readDirectory(_ directory: String) -> DatasetReadResult {
        var result = DatasetReadResult()
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.lowercased().hasSuffix(".xml") }.sorted()
        if files.isEmpty {
            result.problems.append(DatasetProblem(file: directory, message: "no .xml annotation files"))
        }
        for (index, name) in files.enumerated() {
            let path = (directory as NSString).appendingPathComponent(name)
            switch read(path: path, imageID: index + 1) {
            case .success(let (image, problems)):
                result.images.append(image)
                result.problems += problems
            case .failure(let problem):
                result.problems.append(problem)
            }
        }
        return result
    }

    /// One VOC file: the image, plus problems of objects that were skipped.
    public static func read(path: String, imageID: Int) -> Result<(AnnotatedImage, [DatasetProblem]), DatasetProblem> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(DatasetProblem(file: path, message: "cannot read file"))
        }
        let tree = XMLTree(data: data)
        guard let root = tree.root, tree.error == nil else {
            return .failure(DatasetProblem(file: path, message: "malformed XML (\(tree.error ?? "no root element"))"))
        }
        guard root.name == "annotation" else {
            return .failure(DatasetProblem(file: path, message: "root element is <\(root.name)>, expected <annotation>"))
        }
        guard let fileName = root.child("filename")?.text, !fileName.isEmpty else {
            return .failure(DatasetProblem(file: path, message: "missing <filename>"))
        }
        guard let width = root.child("size")?.child("width").flatMap({ Int($0.text) }),
              let height = root.child("size")?.child("height").flatMap({ Int($0.text) }), width > 0, height > 0 else {
            return .failure(DatasetProblem(file: path, message: "missing or invalid <size><width>/<height>"))
        }
        var image = AnnotatedImage(id: imageID, fileName: fileName, width: width, height: height)
        var problems: [DatasetProblem] = []
        for (index, object) in root.children(named: "object").enumerated() {
            let record = "object \(index + 1)"
            guard let name = object.child("name")?.text, !name.isEmpty else {
                problems.append(DatasetProblem(file: path, record: record, message: "object without <name>"))
                continue
            }
            guard let bndbox = object.child("bndbox"),
                  let xmin = bndbox.child("xmin").flatMap({ Double($0.text) }), let ymin = bndbox.child("ymin").flatMap({ Double($0.text) }),
                  let xmax = bndbox.child("xmax").flatMap({ Double($0.text) }), let ymax = bndbox.child("ymax").flatMap({ Double($0.text) }) else {
                problems.append(DatasetProblem(file: path, record: record, message: "missing or non-numeric <bndbox> coordinates"))
                continue
            }
            let box = BoundingBox(x: xmin, y: ymin, width: xmax - xmin, height: ymax - ymin)
            if let problem = boxProblem(box, imageWidth: width, imageHeight: height) {
                problems.append(DatasetProblem(file: path, record: record, message: problem))
                continue
            }
            image.flies.append(FlyAnnotation(id: index + 1, box: box, traits: FlyTraits.parse(label: name),
                                             truncated: object.child("truncated")?.text == "1"))
        }
        return .success((image, problems))
    }
}

/// A minimal DOM built with Foundation's XMLParser (enough for VOC files).
final class XMLTree: NSObject, XMLParserDelegate {
    final class Node {
        let name: String
        var text = ""
        var children: [Node] = []
        init(name: String) { self.name = name }
        func child(_ name: String) -> Node? { children.first { $0.name == name } }
        func children(named name: String) -> [Node] { children.filter { $0.name == name } }
    }

    private(set) var root: Node?
    private(set) var error: String?
    private var stack: [Node] = []

    init(data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        if !parser.parse() {
            error = parser.parserError.map { "line \(parser.lineNumber): \(($0 as NSError).localizedDescription)" } ?? "parse failed"
        } else if let open = stack.last {
            // Some XMLParser builds accept a document that stops inside an element.
            error = "file ends inside <\(open.name)>"
        }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let node = Node(name: elementName)
        if let parent = stack.last { parent.children.append(node) } else if root == nil { root = node }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        _ = stack.popLast()
    }
}
