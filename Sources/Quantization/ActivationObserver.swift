/// Statistics of one tensor over a calibration set: exact minimum and maximum, and a uniform
/// random sample of its values (reservoir sampling, deterministic seed) from which percentile
/// and MSE-optimal ranges are chosen.
public struct ActivationObserver: Sendable {
    public private(set) var minimum = Float.infinity
    public private(set) var maximum = -Float.infinity
    public private(set) var seen = 0
    public private(set) var sample: [Float] = []
    public let capacity: Int
    private var state: UInt64

    public init(capacity: Int = 32_768, seed: UInt64 = 0x5eed) {
        self.capacity = capacity
        state = seed | 1
    }

    private mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    public mutating func observe(_ values: UnsafeBufferPointer<Float>) {
        for v in values {
            minimum = min(minimum, v)
            maximum = max(maximum, v)
            seen += 1
            if sample.count < capacity {
                sample.append(v)
            } else {
                let slot = Int(next() % UInt64(seen))
                if slot < capacity { sample[slot] = v }
            }
        }
    }

    public mutating func observe(_ values: [Float]) { values.withUnsafeBufferPointer { observe($0) } }
}

/// How a tensor's range is chosen from its statistics.
public enum RangeMethod: Sendable, Equatable, CustomStringConvertible {
    /// The observed minimum and maximum (no clipping).
    case minMax
    /// The given two-sided percentile (e.g. 99.99 keeps the middle 99.98 % and clips the rest).
    case percentile(Double)
    /// The range minimising the mean squared quantisation error (uint8) over the sample.
    case meanSquaredError

    public var description: String {
        switch self {
        case .minMax: return "min-max"
        case .percentile(let p): return "percentile \(p)"
        case .meanSquaredError: return "mse"
        }
    }

    /// Parses "minmax", "percentile" (99.99), "percentile:99.9" or "mse".
    public init?(argument: String) {
        let lower = argument.lowercased()
        if lower == "minmax" || lower == "min-max" { self = .minMax; return }
        if lower == "mse" { self = .meanSquaredError; return }
        if lower == "percentile" { self = .percentile(99.99); return }
        if lower.hasPrefix("percentile:"), let p = Double(lower.dropFirst(11)), p > 50, p <= 100 { self = .percentile(p); return }
        return nil
    }
}

extension ActivationObserver {
    /// The range `method` chooses (always containing 0, as uint8 quantisation needs).
    public func range(_ method: RangeMethod) -> ClosedRange<Float> {
        guard seen > 0, minimum.isFinite, maximum.isFinite else { return 0...0 }
        switch method {
        case .minMax:
            return min(minimum, 0)...max(maximum, 0)
        case .percentile(let p):
            let sorted = sample.sorted()
            func quantile(_ q: Double) -> Float { sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count - 1)).rounded())))] }
            let low = max(minimum, quantile(1 - p / 100)), high = min(maximum, quantile(p / 100))
            return min(low, 0)...max(high, 0)
        case .meanSquaredError:
            // Shrink the min-max range by factors 1, 0.99, …, 0.2 and keep the best.
            let low = min(minimum, 0), high = max(maximum, 0)
            var best = (error: Double.infinity, range: low...high)
            for step in 0...80 {
                let f = 1 - Float(step) * 0.01
                let candidate = (low * f)...(high * f)
                let error = Self.squaredError(sample, range: candidate)
                if error < best.error { best = (error, candidate) }
            }
            return best.range
        }
    }

    /// Σ (x − dequantise(quantise(x)))² over `values` for uint8 quantisation over `range`.
    static func squaredError(_ values: [Float], range: ClosedRange<Float>) -> Double {
        let scale = max((range.upperBound - range.lowerBound) / 255, 1e-12)
        let zero = (-range.lowerBound / scale).rounded()
        var total = 0.0
        for x in values {
            let q = min(max((x / scale).rounded() + zero, 0), 255)
            let d = Double(x - scale * (q - zero))
            total += d * d
        }
        return total
    }
}
