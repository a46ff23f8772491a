/// The copies of each crop a trait classifier reads and averages (test-time augmentation). A fly
/// and its mirror image, or the fly turned upside down, have the same traits, and training
/// flips crops both ways among its augmentations, so every copy is a view the classifier knows.
public enum CropViews: Int, Sendable {
    /// The crop as cut (one pass).
    case single = 1
    /// The crop and its mirror image (left–right): `count`'s default from the fifteenth to the
    /// twentieth session.
    case mirrored = 2
    /// The crop, its mirror image, the crop flipped top to bottom, and both (turned 180°):
    /// `count`'s default.
    case flips = 4

    /// Horizontal and vertical flips of each copy, in order (the first is the crop as cut).
    var transforms: [(horizontal: Bool, vertical: Bool)] {
        let all: [(horizontal: Bool, vertical: Bool)] = [(false, false), (true, false), (false, true), (true, true)]
        return Array(all.prefix(rawValue))
    }
}
