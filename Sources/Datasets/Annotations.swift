import ImageProcessing

/// Eye colour: red (wild type) or white (the *white* mutant).
public enum EyeColour: String, Sendable, Codable, CaseIterable { case red, white }
/// Wing length: long (wild type) or miniature (about body length).
public enum WingLength: String, Sendable, Codable, CaseIterable { case long, miniature }
public enum Sex: String, Sendable, Codable, CaseIterable { case female, male }
/// Side of the fly facing the camera.
public enum Pose: String, Sendable, Codable, CaseIterable { case dorsal, lateral, ventral }

/// The three traits FlyTally reads; nil means unknown (not visible / not labelled).
public struct FlyTraits: Sendable, Equatable, Codable {
    public var eye: EyeColour?
    public var wing: WingLength?
    public var sex: Sex?

    public init(eye: EyeColour? = nil, wing: WingLength? = nil, sex: Sex? = nil) {
        self.eye = eye
        self.wing = wing
        self.sex = sex
    }
}

/// Axis-aligned box in continuous pixel coordinates: (x, y) is the top-left corner (COCO's
/// `bbox` = [x, y, width, height]).
public struct BoundingBox: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var area: Double { max(0, width) * max(0, height) }
    public var center: Point2D { Point2D(x + width / 2, y + height / 2) }

    /// Intersection over union with another box (0 when either is empty).
    /// Area of the overlap with `other` (0 when they do not overlap).
    public func intersectionArea(_ other: BoundingBox) -> Double {
        max(0, min(maxX, other.maxX) - max(x, other.x)) * max(0, min(maxY, other.maxY) - max(y, other.y))
    }

    public func iou(_ other: BoundingBox) -> Double {
        let intersection = intersectionArea(other)
        guard intersection > 0 else { return 0 }
        return intersection / (area + other.area - intersection)
    }
}

/// A rotated rectangle: centre, length along the body axis, width across it, and the angle
/// of the body axis (tail → head) in degrees, counter-clockwise from +x on screen.
public struct OrientedBox: Sendable, Equatable {
    public var center: Point2D
    public var length: Double
    public var width: Double
    public var angleDegrees: Double

    public init(center: Point2D, length: Double, width: Double, angleDegrees: Double) {
        self.center = center
        self.length = length
        self.width = width
        self.angleDegrees = angleDegrees
    }
}

/// The four keypoints of DESIGN.md: head tip, tail tip and the two wing tips (unordered).
public struct FlyKeypoints: Sendable, Equatable {
    public var head: Point2D
    public var tail: Point2D
    public var wing1: Point2D
    public var wing2: Point2D
    /// Whether each point (head, tail, wing1, wing2) can be seen in the photo: false when it lies
    /// outside the photo or under another fly. A hidden point is still labelled (its position
    /// is known, as COCO's visibility flag 1 means), but the part it marks cannot be read there —
    /// an eye colour with the head cut off, say. FlySim knows this; other sources say all visible.
    public var visible: [Bool]

    /// The names of the points, in the order of `all` and `visible`.
    public static let names = ["head", "tail", "wing1", "wing2"]

    public init(head: Point2D, tail: Point2D, wing1: Point2D, wing2: Point2D,
                visible: [Bool] = [true, true, true, true]) {
        precondition(visible.count == 4, "one visibility flag per keypoint")
        self.head = head
        self.tail = tail
        self.wing1 = wing1
        self.wing2 = wing2
        self.visible = visible
    }

    public var all: [Point2D] { [head, tail, wing1, wing2] }

    /// The names of the hidden points (empty when every point is visible).
    public var hiddenNames: [String] { zip(FlyKeypoints.names, visible).filter { !$0.1 }.map(\.0) }

    /// Every point moved by `transform` (a crop, a scale), visibility kept.
    public func mapped(_ transform: (Point2D) -> Point2D) -> FlyKeypoints {
        FlyKeypoints(head: transform(head), tail: transform(tail), wing1: transform(wing1), wing2: transform(wing2),
                     visible: visible)
    }
}

/// One fly in one photo, with whatever ground truth is known.
public struct FlyAnnotation: Sendable, Equatable {
    public var id: Int
    public var box: BoundingBox
    public var orientedBox: OrientedBox?
    public var keypoints: FlyKeypoints?
    public var traits: FlyTraits
    public var pose: Pose?
    /// Fraction of the fly not hidden by other flies or the photo border (1 = fully visible).
    public var visibleFraction: Double?
    public var truncated: Bool

    public init(id: Int, box: BoundingBox, orientedBox: OrientedBox? = nil, keypoints: FlyKeypoints? = nil,
                traits: FlyTraits = FlyTraits(), pose: Pose? = nil, visibleFraction: Double? = nil, truncated: Bool = false) {
        self.id = id
        self.box = box
        self.orientedBox = orientedBox
        self.keypoints = keypoints
        self.traits = traits
        self.pose = pose
        self.visibleFraction = visibleFraction
        self.truncated = truncated
    }
}

/// A photo and its flies. `fileName` is relative to the dataset's image directory.
public struct AnnotatedImage: Sendable, Equatable {
    public var id: Int
    public var fileName: String
    public var width: Int
    public var height: Int
    public var flies: [FlyAnnotation]

    public init(id: Int, fileName: String, width: Int, height: Int, flies: [FlyAnnotation] = []) {
        self.id = id
        self.fileName = fileName
        self.width = width
        self.height = height
        self.flies = flies
    }
}
