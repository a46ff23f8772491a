/// One named tensor: its dtype, shape and raw little-endian bytes.
///
/// An entry always holds exactly `elementCount × dtype.byteSize` bytes: every initializer
/// checks it, so readers of `data` never need to.
public struct SafeTensorsEntry: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorsDType
    /// Dimensions, outermost first; `[]` is a scalar (one element).
    public let shape: [Int]
    /// The values, little-endian, row-major.
    public let data: [UInt8]

    /// An entry from raw little-endian bytes; fails when their count does not match the shape.
    public init(name: String, dtype: SafeTensorsDType, shape: [Int], data: [UInt8]) throws(SafeTensorsError) {
        let needed = try Self.byteCount(name: name, dtype: dtype, shape: shape)
        guard data.count == needed else {
            throw .dataSizeMismatch(tensor: name, shape: shape, dtype: dtype, needed: needed, given: data.count)
        }
        self.init(unchecked: name, dtype: dtype, shape: shape, data: data)
    }

    /// An F32 entry holding `floats`.
    public init(name: String, shape: [Int], floats: [Float]) throws(SafeTensorsError) {
        try Self.checkCount(name: name, shape: shape, dtype: .f32, count: floats.count)
        var bytes = [UInt8](repeating: 0, count: floats.count * 4)
        #if _endian(little)
        bytes.withUnsafeMutableBytes { out in
            floats.withUnsafeBytes { out.copyMemory(from: $0) }
        }
        #else
        for (i, value) in floats.enumerated() {
            let bits = value.bitPattern
            for k in 0..<4 { bytes[i * 4 + k] = UInt8(truncatingIfNeeded: bits >> (8 * k)) }
        }
        #endif
        self.init(unchecked: name, dtype: .f32, shape: shape, data: bytes)
    }

    /// An F16 entry holding `float16s` rounded to the nearest half (ties to even; values
    /// beyond ±65504 become ±infinity).
    public init(name: String, shape: [Int], float16s: [Float]) throws(SafeTensorsError) {
        try Self.checkCount(name: name, shape: shape, dtype: .f16, count: float16s.count)
        var bytes = [UInt8](repeating: 0, count: float16s.count * 2)
        for (i, value) in float16s.enumerated() {
            let bits = halfBits(from: value)
            bytes[i * 2] = UInt8(truncatingIfNeeded: bits)
            bytes[i * 2 + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        }
        self.init(unchecked: name, dtype: .f16, shape: shape, data: bytes)
    }

    /// An I8 entry holding `int8s`.
    public init(name: String, shape: [Int], int8s: [Int8]) throws(SafeTensorsError) {
        try Self.checkCount(name: name, shape: shape, dtype: .i8, count: int8s.count)
        self.init(unchecked: name, dtype: .i8, shape: shape, data: int8s.map { UInt8(bitPattern: $0) })
    }

    /// For callers that have already checked the byte count (the decoder).
    init(unchecked name: String, dtype: SafeTensorsDType, shape: [Int], data: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// The number of values: the product of the shape (1 for a scalar).
    public var elementCount: Int { data.count / dtype.byteSize }

    /// The byte size of `shape` in `dtype`, or the error for a negative dimension or a
    /// product that overflows `Int` (a hostile header must not trap).
    static func byteCount(name: String, dtype: SafeTensorsDType, shape: [Int]) throws(SafeTensorsError) -> Int {
        if shape.contains(where: { $0 < 0 }) {
            throw .invalidShape(tensor: name, shape: "\(shape)")
        }
        var total = dtype.byteSize
        for dimension in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { throw .shapeTooLarge(tensor: name, shape: shape, dtype: dtype) }
            total = product
        }
        return total
    }

    private static func checkCount(name: String, shape: [Int], dtype: SafeTensorsDType, count: Int) throws(SafeTensorsError) {
        let bytes = try byteCount(name: name, dtype: dtype, shape: shape)
        guard bytes / dtype.byteSize == count else {
            throw .elementCountMismatch(tensor: name, shape: shape, count: count)
        }
    }
}
