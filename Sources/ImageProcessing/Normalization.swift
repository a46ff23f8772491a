import ImageIO

/// Per-channel mean and standard deviation applied to pixel values scaled to 0…1:
/// value = (byte / 255 − mean[c]) / std[c].
public struct Normalization: Sendable, Equatable {
    public var mean: (Float, Float, Float)
    public var std: (Float, Float, Float)

    public init(mean: (Float, Float, Float), std: (Float, Float, Float)) {
        precondition(std.0 > 0 && std.1 > 0 && std.2 > 0, "standard deviations must be positive")
        self.mean = mean
        self.std = std
    }

    /// Values in 0…1.
    public static let unit = Normalization(mean: (0, 0, 0), std: (1, 1, 1))
    /// The ImageNet statistics torchvision models are trained with.
    public static let imageNet = Normalization(mean: (0.485, 0.456, 0.406), std: (0.229, 0.224, 0.225))

    public static func == (a: Normalization, b: Normalization) -> Bool {
        a.mean == b.mean && a.std == b.std
    }
}

extension RGBImage {
    /// The image as float32 values in HWC order (`height * width * 3`), normalised.
    public func floatHWC(_ normalization: Normalization = .unit) -> [Float] {
        [Float](unsafeUninitializedCapacity: pixels.count) { buffer, count in
            writeFloatHWC(into: buffer, normalization)
            count = pixels.count
        }
    }

    /// Writes the normalised HWC floats into an existing buffer (for batches without copies).
    /// `buffer.count` must be at least `width * height * 3`.
    public func writeFloatHWC(into buffer: UnsafeMutableBufferPointer<Float>, _ normalization: Normalization = .unit) {
        precondition(buffer.count >= pixels.count, "buffer holds \(buffer.count) floats, image needs \(pixels.count)")
        // (v/255 − m)/s = v · (1/(255 s)) − m/s
        let scale = (1 / (255 * normalization.std.0), 1 / (255 * normalization.std.1), 1 / (255 * normalization.std.2))
        let shift = (normalization.mean.0 / normalization.std.0, normalization.mean.1 / normalization.std.1,
                     normalization.mean.2 / normalization.std.2)
        pixels.withUnsafeBufferPointer { src in
            var i = 0
            while i < src.count {
                buffer[i] = Float(src[i]) * scale.0 - shift.0
                buffer[i + 1] = Float(src[i + 1]) * scale.1 - shift.1
                buffer[i + 2] = Float(src[i + 2]) * scale.2 - shift.2
                i += 3
            }
        }
    }
}
