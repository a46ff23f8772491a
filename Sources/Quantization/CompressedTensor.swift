import SafeTensors

/// One weight tensor as a compression-aware training method left it: an integer level per
/// value on a uniform grid (QAT, LSQ, SQS) or a power-of-two code (INQ), stored bit-packed,
/// and — when that is smaller — as a bitmap of the non-zero values plus the codes of those
/// values only.
///
/// Levels:
/// - `.uniform(scales:)`: value = level · scale[channel], level in −(2^(b−1) − 1)…2^(b−1) − 1,
///   one scale per index of axis 0 (output channel) or one for the tensor.
/// - `.powerOfTwo(smallestExponent: n₂)`: level 0 is zero; level ±k (k ≥ 1) is ±2^(n₂ + k − 1),
///   k ≤ 2^(b−2) (INQ's b bits: one distinguishes zero, the rest sign and exponent).
public struct CompressedTensor: Sendable, Equatable {
    public enum Grid: Sendable, Equatable {
        case uniform(scales: [Float])
        case powerOfTwo(smallestExponent: Int)
    }

    public let shape: [Int]
    public let bits: Int
    public let grid: Grid
    public let levels: [Int32]
    /// Zeros before each non-zero value (so `gaps.count` is the number of non-zero values).
    let gaps: [Int]
    /// The smallest storage of these levels (chosen once, here).
    public let index: Index

    public init(shape: [Int], bits: Int, grid: Grid, levels: [Int32]) throws(QuantizedFileError) {
        guard (2...8).contains(bits) else { throw QuantizedFileError(problem: "bit width \(bits) is outside 2…8") }
        guard shape.reduce(1, *) == levels.count, !levels.isEmpty else {
            throw QuantizedFileError(problem: "shape \(shape) does not hold \(levels.count) values")
        }
        let limit = Int32(CompressedTensor.largestLevel(bits: bits, grid: grid))
        if let bad = levels.first(where: { abs($0) > limit }) {
            throw QuantizedFileError(problem: "level \(bad) does not fit \(bits) bits")
        }
        if case .uniform(let scales) = grid {
            guard scales.count == 1 || scales.count == shape[0] else {
                throw QuantizedFileError(problem: "\(scales.count) scales for \(shape[0]) channels")
            }
            guard scales.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw QuantizedFileError(problem: "scales must be positive and finite") }
        }
        self.shape = shape
        self.bits = bits
        self.grid = grid
        self.levels = levels
        var gaps: [Int] = [], run = 0
        for level in levels {
            if level == 0 { run += 1 } else { gaps.append(run); run = 0 }
        }
        self.gaps = gaps
        index = Self.smallestIndex(count: levels.count, bits: bits, gaps: gaps)
    }

    static func largestLevel(bits: Int, grid: Grid) -> Int {
        switch grid {
        case .uniform: return (1 << (bits - 1)) - 1
        case .powerOfTwo: return 1 << max(bits - 2, 0)
        }
    }

    public var count: Int { levels.count }
    public var nonZeroCount: Int { gaps.count }
    public var sparsity: Double { 1 - Double(nonZeroCount) / Double(count) }

    /// How the positions of the non-zero values are stored.
    public enum Index: Equatable, Sendable {
        /// No index: every value's code is stored.
        case dense
        /// A bitmap (one bit per value), then the codes of the non-zero values.
        case bitmap
        /// Rice-coded gaps (zeros before each non-zero value: ⌊gap/2^k⌋ in unary, then k low
        /// bits), then the codes of the non-zero values — smaller than a bitmap at high sparsity.
        case riceGaps(k: Int)
    }

    static func indexBits(_ index: Index, count: Int, gaps: [Int]) -> Int {
        switch index {
        case .dense: return 0
        case .bitmap: return count
        case .riceGaps(let k): return gaps.reduce(0) { $0 + ($1 >> k) + 1 + k }
        }
    }

    /// Bits of index plus codes for an index kind.
    static func storedBits(_ index: Index, count: Int, bits: Int, gaps: [Int]) -> Int {
        indexBits(index, count: count, gaps: gaps) + (index == .dense ? count : gaps.count) * bits
    }

    /// The smallest storage: dense, bitmap, or Rice-coded gaps with the best k.
    static func smallestIndex(count: Int, bits: Int, gaps: [Int]) -> Index {
        let candidates: [Index] = [.dense, .bitmap] + (0...12).map { .riceGaps(k: $0) }
        return candidates.min { storedBits($0, count: count, bits: bits, gaps: gaps) < storedBits($1, count: count, bits: bits, gaps: gaps) }!
    }

    public var isStoredSparse: Bool { index != .dense }
    public var storedCodeBytes: Int {
        index == .dense ? (count * bits + 7) / 8
            : (Self.indexBits(index, count: count, gaps: gaps) + 7) / 8 + (nonZeroCount * bits + 7) / 8
    }

    /// The float values the levels stand for.
    public func decoded() -> [Float] {
        switch grid {
        case .uniform(let scales):
            let per = count / scales.count
            return levels.indices.map { Float(levels[$0]) * scales[$0 / per] }
        case .powerOfTwo(let n2):
            return levels.map { level in
                level == 0 ? 0 : (level < 0 ? -1 : 1) * powerOfTwo(n2 + Int(abs(level)) - 1)
            }
        }
    }

    // MARK: Storage

    /// Unsigned code of a level: offset by 2^(b−1) (uniform) or sign bit above the magnitude (pow2).
    func code(_ level: Int32) -> UInt32 {
        switch grid {
        case .uniform: return UInt32(level + Int32(1 << (bits - 1)))
        case .powerOfTwo: return (level < 0 ? UInt32(1) << UInt32(bits - 1) : 0) | UInt32(abs(level))
        }
    }

    static func level(_ code: UInt32, bits: Int, grid: Grid) -> Int32 {
        switch grid {
        case .uniform: return Int32(code) - Int32(1 << (bits - 1))
        case .powerOfTwo:
            let magnitude = Int32(code & ((UInt32(1) << UInt32(bits - 1)) - 1))
            return code >> UInt32(bits - 1) == 1 ? -magnitude : magnitude
        }
    }

    /// The tensor as safetensors entries: "<name>" (U8, packed codes), "<name>.nonzero" (U8
    /// bitmap) or "<name>.gaps" (U8, Rice-coded gaps) for sparse storage, "<name>.scale" (F32,
    /// uniform grid only). The shape, bit
    /// width and grid go into `descriptor` (kept in the file's metadata).
    public func entries(name: String) throws -> [SafeTensorsEntry] {
        var writer = BitWriter()
        var entries: [SafeTensorsEntry] = []
        switch index {
        case .dense:
            for level in levels { writer.append(code(level), bits: bits) }
        case .bitmap:
            var bitmap = BitWriter()
            for level in levels { bitmap.append(level != 0 ? 1 : 0, bits: 1) }
            entries.append(try SafeTensorsEntry(name: name + ".nonzero", dtype: .u8, shape: [bitmap.bytes.count], data: bitmap.bytes))
        case .riceGaps(let k):
            var stream = BitWriter()
            for gap in gaps {
                for _ in 0..<(gap >> k) { stream.append(1, bits: 1) }
                stream.append(0, bits: 1)
                stream.append(UInt32(gap & ((1 << k) - 1)), bits: k)
            }
            entries.append(try SafeTensorsEntry(name: name + ".gaps", dtype: .u8, shape: [stream.bytes.count], data: stream.bytes))
        }
        if index != .dense { for level in levels where level != 0 { writer.append(code(level), bits: bits) } }
        entries.append(try SafeTensorsEntry(name: name, dtype: .u8, shape: [writer.bytes.count], data: writer.bytes))
        if case .uniform(let scales) = grid {
            entries.append(try SafeTensorsEntry(name: name + ".scale", shape: [scales.count], floats: scales))
        }
        return entries
    }

    /// "bits=4 grid=uniform shape=16,3,3,3 sparse=1" (bitmap), "… sparse=rice:3" (gaps, k = 3) or
    /// "bits=5 grid=pow2 exponent=-9 shape=… sparse=0" (dense).
    public var descriptor: String {
        var parts = ["bits=\(bits)"]
        switch grid {
        case .uniform: parts.append("grid=uniform")
        case .powerOfTwo(let n2): parts += ["grid=pow2", "exponent=\(n2)"]
        }
        parts += ["shape=" + shape.map(String.init).joined(separator: ","), "sparse=" + indexDescriptor]
        if case .riceGaps = index { parts.append("nonzero=\(nonZeroCount)") }
        return parts.joined(separator: " ")
    }

    var indexDescriptor: String {
        switch index {
        case .dense: return "0"
        case .bitmap: return "1"
        case .riceGaps(let k): return "rice:\(k)"
        }
    }

    /// Reads the tensor back from the entries written by `entries(name:)` and its descriptor.
    public init(name: String, descriptor: String, file: SafeTensorsFile) throws(QuantizedFileError) {
        var fields: [String: String] = [:]
        for part in descriptor.split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let bits = fields["bits"].flatMap({ Int($0) }), let shapeText = fields["shape"], let sparse = fields["sparse"],
              case let shape = shapeText.split(separator: ",").compactMap({ Int($0) }), !shape.isEmpty, shape.allSatisfy({ $0 > 0 }),
              (2...8).contains(bits) else {
            throw QuantizedFileError(problem: "compressed tensor '\(name)': unreadable descriptor '\(descriptor)'")
        }
        let count = shape.reduce(1, *)
        let grid: Grid
        switch fields["grid"] {
        case "uniform":
            guard let entry = file[name + ".scale"], let scales = try? entry.floats() else {
                throw QuantizedFileError(problem: "compressed tensor '\(name)': scales '\(name).scale' missing or unreadable")
            }
            grid = .uniform(scales: scales)
        case "pow2":
            guard let n2 = fields["exponent"].flatMap({ Int($0) }), (-126...127).contains(n2) else {
                throw QuantizedFileError(problem: "compressed tensor '\(name)': power-of-two exponent missing")
            }
            grid = .powerOfTwo(smallestExponent: n2)
        default:
            throw QuantizedFileError(problem: "compressed tensor '\(name)': unknown grid '\(fields["grid"] ?? "")'")
        }
        guard let codes = file[name], codes.dtype == .u8 else { throw QuantizedFileError(problem: "compressed tensor '\(name)': codes missing") }
        var reader = BitReader(bytes: codes.data)
        var levels = [Int32](repeating: 0, count: count)
        func next() throws(QuantizedFileError) -> Int32 {
            guard let code = reader.read(bits: bits) else { throw QuantizedFileError(problem: "compressed tensor '\(name)': codes end early") }
            return CompressedTensor.level(code, bits: bits, grid: grid)
        }
        if sparse == "1" {
            guard let bitmapEntry = file[name + ".nonzero"], bitmapEntry.dtype == .u8 else {
                throw QuantizedFileError(problem: "compressed tensor '\(name)': bitmap '\(name).nonzero' missing")
            }
            var bitmap = BitReader(bytes: bitmapEntry.data)
            for i in 0..<count {
                guard let flag = bitmap.read(bits: 1) else { throw QuantizedFileError(problem: "compressed tensor '\(name)': bitmap ends early") }
                if flag == 1 { levels[i] = try next() }
            }
        } else if sparse.hasPrefix("rice:"), let k = Int(sparse.dropFirst(5)), (0...12).contains(k) {
            guard let gapEntry = file[name + ".gaps"], gapEntry.dtype == .u8 else {
                throw QuantizedFileError(problem: "compressed tensor '\(name)': gaps '\(name).gaps' missing")
            }
            guard let nonZero = fields["nonzero"].flatMap({ Int($0) }), (0...count).contains(nonZero) else {
                throw QuantizedFileError(problem: "compressed tensor '\(name)': count of non-zero values missing")
            }
            var stream = BitReader(bytes: gapEntry.data)
            var position = 0
            for _ in 0..<nonZero {
                var quotient = 0
                while true {
                    guard let bit = stream.read(bits: 1) else { throw QuantizedFileError(problem: "compressed tensor '\(name)': gaps end early") }
                    if bit == 0 { break }
                    quotient += 1
                    guard quotient <= count else { throw QuantizedFileError(problem: "compressed tensor '\(name)': gap longer than the tensor") }
                }
                guard let low = stream.read(bits: k) else { throw QuantizedFileError(problem: "compressed tensor '\(name)': gaps end early") }
                position += (quotient << k) + Int(low)
                guard position < count else { throw QuantizedFileError(problem: "compressed tensor '\(name)': gaps run past the tensor") }
                levels[position] = try next()
                position += 1
            }
        } else if sparse == "0" {
            for i in 0..<count { levels[i] = try next() }
        } else {
            throw QuantizedFileError(problem: "compressed tensor '\(name)': unknown index '\(sparse)'")
        }
        try self.init(shape: shape, bits: bits, grid: grid, levels: levels)
    }
}

/// 2^e as a Float for the exponents INQ uses (subnormal and overflow ranges are not reached).
func powerOfTwo(_ e: Int) -> Float { Float(sign: .plus, exponent: e, significand: 1) }

/// Appends codes of a few bits each, least significant bit first.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var used = 0   // bits used in the last byte

    mutating func append(_ value: UInt32, bits: Int) {
        for b in 0..<bits {
            if used == 0 { bytes.append(0) }
            if (value >> UInt32(b)) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(1 << used) }
            used = (used + 1) % 8
        }
    }
}

struct BitReader {
    let bytes: [UInt8]
    private var position = 0   // in bits
    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func read(bits: Int) -> UInt32? {
        guard position + bits <= bytes.count * 8 else { return nil }
        var value: UInt32 = 0
        for b in 0..<bits {
            if (bytes[(position + b) / 8] >> UInt8((position + b) % 8)) & 1 == 1 { value |= 1 << UInt32(b) }
        }
        position += bits
        return value
    }
}
