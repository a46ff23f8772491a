import Foundation

/// A seeded, reproducible random generator (SplitMix64). Every random choice in FlyTally —
/// weight initialisation, shuffling, dropout, augmentation — takes one explicitly, so a run
/// is repeatable from its seed and a checkpoint can store `state` to resume exactly.
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1.0p-53, .leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2))
    }

    /// An independent generator derived from this one (for parallel or per-item streams).
    public mutating func split() -> RandomSource { RandomSource(seed: next()) }
}

extension Tensor {
    /// Values drawn uniformly from [low, high).
    public static func uniform(_ shape: [Int], low: Float, high: Float, using rng: inout RandomSource) -> Tensor {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.scalars[i] = rng.uniform(low, high) }
        return t
    }

    /// Normal values with the given standard deviation.
    public static func normal(_ shape: [Int], std: Float = 1, mean: Float = 0, using rng: inout RandomSource) -> Tensor {
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.scalars[i] = mean + std * rng.normal() }
        return t
    }
}
