/// A dense float32 tensor: a shape and its values in row-major order.
///
/// Activations are NHWC ([batch, height, width, channels]); convolution weights are OHWI
/// ([out, kernelH, kernelW, in/groups]); linear weights are [out, in] as in PyTorch.
/// A value type: copies share storage until one is written (Swift's copy-on-write arrays).
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(scalars.count == shape.reduce(1, *),
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape) }

    /// A tensor whose values are about to be overwritten completely by a kernel: skips the
    /// zero fill that dominates element-wise ops on fresh memory. The initial values are
    /// unspecified (zero on Linux, where fresh pages come zeroed; reused memory is not).
    public static func uninitialized(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let scalars = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        return Tensor(shape: shape, scalars: scalars)
    }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }
    public static func scalar(_ value: Float) -> Tensor { Tensor(shape: [], scalars: [value]) }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same values with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Axes reordered: result axis i is source axis `axes[i]` (e.g. NCHW→NHWC is [0, 2, 3, 1]).
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "\(axes) is not a permutation of 0..<\(rank)")
        let newShape = axes.map { shape[$0] }
        var sourceStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { sourceStrides[i] = sourceStrides[i + 1] * shape[i + 1] }
        let strides = axes.map { sourceStrides[$0] }
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        var source = 0
        for i in 0..<count {
            out[i] = scalars[source]
            // Odometer increment over the new shape, updating the source offset incrementally.
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < newShape[axis] { break }
                source -= strides[axis] * newShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return Tensor(shape: newShape, scalars: out)
    }

    /// NCHW (PyTorch activations) → NHWC.
    public func nchwToNHWC() -> Tensor { permuted([0, 2, 3, 1]) }
    /// NHWC → NCHW.
    public func nhwcToNCHW() -> Tensor { permuted([0, 3, 1, 2]) }

    public var description: String {
        let preview = scalars.prefix(6).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(shape): [\(preview)\(count > 6 ? ", …" : "")])"
    }

    public func withUnsafePointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer { try body($0.baseAddress ?? UnsafePointer(bitPattern: 8)!) }
    }

    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer { try body($0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!) }
    }

    /// Largest |a − b| over all elements (shapes must match).
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var worst: Float = 0
        for i in 0..<count { worst = max(worst, abs(scalars[i] - other.scalars[i])) }
        return worst
    }

    public var maxAbs: Float { scalars.reduce(0) { max($0, abs($1)) } }
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }
}

extension Tensor {
    /// Element-wise sum (shapes must match).
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
        var out = a
        for i in 0..<out.count { out.scalars[i] += b.scalars[i] }
        return out
    }

    public static func += (a: inout Tensor, b: Tensor) {
        precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
        for i in 0..<a.count { a.scalars[i] += b.scalars[i] }
    }

    public static func * (a: Tensor, s: Float) -> Tensor {
        var out = a
        for i in 0..<out.count { out.scalars[i] *= s }
        return out
    }
}
