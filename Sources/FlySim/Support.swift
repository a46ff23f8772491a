import Dispatch
import Foundation

// Small numeric helpers shared by the renderer: vectors, hashing, value noise, and a
// deterministic parallel loop. Nothing here draws from a sequential random stream, so any
// pixel's value is the same whichever thread computes it.

typealias Vec2 = SIMD2<Double>
typealias Colour = SIMD3<Float>

@inline(__always) func dot(_ a: Vec2, _ b: Vec2) -> Double { a.x * b.x + a.y * b.y }
@inline(__always) func length(_ a: Vec2) -> Double { (a.x * a.x + a.y * a.y).squareRoot() }
@inline(__always) func normalized(_ a: Vec2) -> Vec2 { let l = length(a); return l > 0 ? a / l : Vec2(1, 0) }
/// `v` turned 90° counter-clockwise on screen (y points down).
@inline(__always) func perpendicular(_ v: Vec2) -> Vec2 { Vec2(v.y, -v.x) }
@inline(__always) func clamp01(_ x: Float) -> Float { min(1, max(0, x)) }
@inline(__always) func mix(_ a: Float, _ b: Float, _ t: Float) -> Float { a + (b - a) * t }
@inline(__always) func mix(_ a: Colour, _ b: Colour, _ t: Float) -> Colour { a + (b - a) * t }
@inline(__always) func smoothstep(_ e0: Float, _ e1: Float, _ x: Float) -> Float {
    let t = clamp01((x - e0) / (e1 - e0))
    return t * t * (3 - 2 * t)
}

/// floor(x) without a libm call (the module is built for baseline x86-64, where rounding
/// instructions are not available); valid for |x| < 2³¹.
@inline(__always) func fastFloor(_ x: Float) -> Float {
    let i = Float(Int32(truncatingIfNeeded: Int(x)))
    return i > x ? i - 1 : i
}

@inline(__always) func fastFloor(_ x: Double) -> Double {
    let i = Double(Int(x))
    return i > x ? i - 1 : i
}

/// 32-bit integer hash of a lattice point and a seed (lowbias32-style finaliser).
@inline(__always) func hash32(_ x: Int32, _ y: Int32, _ seed: UInt32) -> UInt32 {
    var h = UInt32(bitPattern: x) &* 0x8DA6_B343 ^ UInt32(bitPattern: y) &* 0xD816_3841 ^ seed &* 0xCB1A_B31F
    h ^= h >> 16
    h &*= 0x7FEB_352D
    h ^= h >> 15
    h &*= 0x846C_A68B
    h ^= h >> 16
    return h
}

/// Uniform in [0, 1) from a lattice point.
@inline(__always) func hashUnit(_ x: Int32, _ y: Int32, _ seed: UInt32) -> Float {
    Float(hash32(x, y, seed) >> 8) * (1.0 / 16_777_216.0)
}

/// Smooth value noise in [0, 1) with lattice spacing `cell` pixels, evaluated from hashes.
@inline(__always) func valueNoise(_ x: Float, _ y: Float, cell: Float, seed: UInt32) -> Float {
    let fx = x / cell, fy = y / cell
    let ix = fastFloor(fx), iy = fastFloor(fy)
    var tx = fx - ix, ty = fy - iy
    tx = tx * tx * (3 - 2 * tx)
    ty = ty * ty * (3 - 2 * ty)
    let x0 = Int32(truncatingIfNeeded: Int(ix)), y0 = Int32(truncatingIfNeeded: Int(iy))
    let a = hashUnit(x0, y0, seed), b = hashUnit(x0 &+ 1, y0, seed)
    let c = hashUnit(x0, y0 &+ 1, seed), d = hashUnit(x0 &+ 1, y0 &+ 1, seed)
    return mix(mix(a, b, tx), mix(c, d, tx), ty)
}

/// A lattice of random values (drawn once from a seeded stream) with smooth interpolation:
/// the cheap way to evaluate low-frequency noise at every pixel of a large photo.
struct NoiseGrid: Sendable {
    let cell: Float
    let columns: Int
    let rows: Int
    let values: [Float]

    init(width: Int, height: Int, cell: Double, seed: UInt64) {
        self.init(width: width, height: height, cell: cell, seed: seed, amplitude: 1, layers: [])
    }

    /// A lattice whose values are `amplitude` × its own noise plus coarser `layers`
    /// (sampled at the lattice points, times their weights): several octaves for the
    /// price of one lookup, as long as the layers are smooth at this cell size.
    init(width: Int, height: Int, cell: Double, seed: UInt64, amplitude: Float, layers: [(NoiseGrid, Float)]) {
        let c = max(1.0, cell)
        self.cell = Float(c)
        columns = Int((Double(width) / c).rounded(.up)) + 2
        rows = Int((Double(height) / c).rounded(.up)) + 2
        var rng = SplitMix(seed)
        var v = [Float](repeating: 0, count: columns * rows)
        for j in 0..<rows {
            for i in 0..<columns {
                var value = (rng.unit() - 0.5) * amplitude
                for (layer, weight) in layers { value += weight * layer.sample(Float(i) * self.cell, Float(j) * self.cell) }
                v[j * columns + i] = value
            }
        }
        values = v
    }

    /// Value (about −0.5…0.5 per unit amplitude) at pixel position (x, y).
    @inline(__always) func sample(_ x: Float, _ y: Float) -> Float {
        let fx = x / cell, fy = y / cell
        let ix = min(max(Int(fx), 0), columns - 2), iy = min(max(Int(fy), 0), rows - 2)
        var tx = min(max(fx - Float(ix), 0), 1), ty = min(max(fy - Float(iy), 0), 1)
        tx = tx * tx * (3 - 2 * tx)
        ty = ty * ty * (3 - 2 * ty)
        let i = iy * columns + ix
        return values.withUnsafeBufferPointer { v in
            mix(mix(v[i], v[i + 1], tx), mix(v[i + columns], v[i + columns + 1], tx), ty)
        }
    }

    /// The lattice interpolated vertically at pixel row position y: one value per lattice
    /// column, for `sample(row:x:)`.
    func row(_ y: Float, into buffer: inout [Float]) {
        let fy = y / cell
        let iy = min(max(Int(fy), 0), rows - 2)
        var ty = min(max(fy - Float(iy), 0), 1)
        ty = ty * ty * (3 - 2 * ty)
        if buffer.count < columns { buffer = [Float](repeating: 0, count: columns) }
        values.withUnsafeBufferPointer { v in
            for i in 0..<columns { buffer[i] = mix(v[iy * columns + i], v[(iy + 1) * columns + i], ty) }
        }
    }

    /// Value at x on a row prepared by `row(_:into:)`.
    @inline(__always) func sample(row r: UnsafeBufferPointer<Float>, x: Float) -> Float {
        let fx = x / cell
        let ix = min(max(Int(fx), 0), columns - 2)
        var tx = min(max(fx - Float(ix), 0), 1)
        tx = tx * tx * (3 - 2 * tx)
        return mix(r[ix], r[ix + 1], tx)
    }
}

/// A private SplitMix64 for lattice values (same algorithm as `Tensors.RandomSource`).
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }
}

/// A pointer that may cross into `concurrentPerform` workers; each worker writes only its own
/// disjoint part, which is what makes sharing it sound.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

/// Runs `body` over `0..<count` split into contiguous chunks, on up to `threads` threads.
/// Chunks are fixed by `count` and `threads` only, and every index is computed by the same
/// code, so results never depend on scheduling.
func parallelFor(_ count: Int, threads: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let workers = min(max(1, threads), max(1, count / max(1, minimumChunk)))
    if workers <= 1 || count <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    // Over-split a little so an unlucky slow chunk does not leave a core idle.
    let chunks = min(count, workers * 4)
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = count * c / chunks, end = count * (c + 1) / chunks
            if start < end { work(start..<end) }
        }
    }
}

/// The number of threads used when a configuration does not say.
var defaultThreadCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

extension RandomSourceLike {
    mutating func double(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(unitFloat())
    }
    mutating func float(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * unitFloat()
    }
    mutating func chance(_ p: Double) -> Bool { Double(unitFloat()) < p }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(nextBits() % span)
    }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    mutating func gaussian(_ mean: Double, _ std: Double) -> Double { mean + std * Double(standardNormal()) }
    /// Index drawn with the given non-negative weights (not all zero).
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var r = Double(unitFloat()) * total
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.lastIndex(where: { $0 > 0 }) ?? 0
    }
}

/// The operations the renderer takes from a random stream (lets helpers extend
/// `Tensors.RandomSource` without repeating themselves).
protocol RandomSourceLike {
    mutating func unitFloat() -> Float
    mutating func nextBits() -> UInt64
    mutating func standardNormal() -> Float
}
