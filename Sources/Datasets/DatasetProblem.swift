/// A record that could not be used, with where it came from. Readers report these and skip
/// the record; they never keep a bad record silently.
public struct DatasetProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The annotation file (or image) concerned.
    public let file: String
    /// Which record, e.g. "annotation 17" or "object 3"; empty for the whole file.
    public let record: String
    public let message: String

    public init(file: String, record: String = "", message: String) {
        self.file = file
        self.record = record
        self.message = message
    }

    public var description: String { record.isEmpty ? "\(file): \(message)" : "\(file): \(record): \(message)" }
}

/// What a reader found: the usable images and every problem it skipped.
public struct DatasetReadResult: Sendable {
    public var images: [AnnotatedImage]
    public var problems: [DatasetProblem]

    public init(images: [AnnotatedImage] = [], problems: [DatasetProblem] = []) {
        self.images = images
        self.problems = problems
    }

    public var flyCount: Int { images.reduce(0) { $0 + $1.flies.count } }
}

extension FlyTraits {
    /// Reads traits from free-form labels such as "white-miniature-male", "red_female" or
    /// "fly": every known word sets its trait; other words are ignored. Conflicting words
    /// (both "red" and "white") leave that trait unknown.
    public static func parse(label: String) -> FlyTraits {
        let words = label.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
        func pick<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> T? where T.RawValue == String {
            let found = Set(words.compactMap(T.init(rawValue:)).map(\.rawValue))
            return found.count == 1 ? T(rawValue: found.first!) : nil
        }
        return FlyTraits(eye: pick(EyeColour.self), wing: pick(WingLength.self), sex: pick(Sex.self))
    }
}

/// Checks a box against its image; nil when fine. Up to 1 px past the edge is tolerated
/// (rounding in other tools).
func boxProblem(_ box: BoundingBox, imageWidth: Int, imageHeight: Int) -> String? {
    guard box.x.isFinite, box.y.isFinite, box.width.isFinite, box.height.isFinite else { return "box has non-numeric values" }
    guard box.width > 0, box.height > 0 else { return "box has no area (\(box.width) x \(box.height))" }
    if box.x < -1 || box.y < -1 || box.maxX > Double(imageWidth) + 1 || box.maxY > Double(imageHeight) + 1 {
        return "box [\(box.x), \(box.y), \(box.width), \(box.height)] lies outside the \(imageWidth)x\(imageHeight) image"
    }
    return nil
}
