import Datasets
import ImageProcessing

/// One counted fly: what `flies.json` and `flies.csv` hold, and what other tools read.
/// Coordinates are in the photo's original pixels (after EXIF orientation).
public struct FlyRecord: Codable, Sendable, Equatable {
    public struct Keypoints: Codable, Sendable, Equatable {
        public var head: [Double]
        public var tail: [Double]
        public var wing1: [Double]
        public var wing2: [Double]
    }

    /// The photo's file name as given on the command line.
    public var photo: String
    /// 1-based number of the fly in its photo (best detection first), for corrections.
    public var fly: Int
    /// [x, y, width, height].
    public var box: [Double]
    /// Detector confidence.
    public var score: Float
    public var eye: String
    public var wing: String
    public var sex: String
    public var pWhite: Float
    public var pMiniature: Float
    public var pMale: Float
    public var keypoints: Keypoints?
    /// A trait probability fell between the review bounds: a person should look at this fly.
    public var review: Bool
    /// The user's correction file changed this record.
    public var corrected: Bool

    enum CodingKeys: String, CodingKey {
        case photo, fly, box, score, eye, wing, sex, keypoints, review, corrected
        case pWhite = "p_white", pMiniature = "p_miniature", pMale = "p_male"
    }

    public var boundingBox: BoundingBox { BoundingBox(x: box[0], y: box[1], width: box[2], height: box[3]) }

    /// The phenotype as text, e.g. "white miniature male".
    public var phenotype: String { "\(eye) \(wing) \(sex)" }
}

extension FlyRecord.Keypoints {
    init(_ k: FlyKeypoints) {
        head = [k.head.x, k.head.y]
        tail = [k.tail.x, k.tail.y]
        wing1 = [k.wing1.x, k.wing1.y]
        wing2 = [k.wing2.x, k.wing2.y]
    }

    var points: [Point2D] { [head, tail, wing1, wing2].map { Point2D($0[0], $0[1]) } }
}
