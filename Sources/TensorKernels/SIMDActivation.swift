import Foundation

extension Elementwise.Activation {
    /// The activation on eight lanes at once (sigmoid falls back to scalar lanes).
    @inline(__always) @inlinable
    public func apply(_ v: SIMD8<Float>) -> SIMD8<Float> {
        switch self {
        case .identity: return v
        case .relu: return pointwiseMax(v, .zero)
        case .relu6: return pointwiseMin(pointwiseMax(v, .zero), SIMD8(repeating: 6))
        case .hardswish: return v * pointwiseMin(pointwiseMax(v + 3, .zero), SIMD8(repeating: 6)) * (1 / 6)
        case .hardsigmoid: return pointwiseMin(pointwiseMax(v + 3, .zero), SIMD8(repeating: 6)) * (1 / 6)
        case .sigmoid:
            var out = v
            for i in 0..<8 { out[i] = 1 / (1 + Foundation.exp(-v[i])) }
            return out
        }
    }

    @inline(__always) @inlinable
    public func apply(_ x: Float) -> Float { Elementwise.apply(self, x) }
}

@inline(__always) @usableFromInline
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) @usableFromInline
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

extension Elementwise {
    /// rows × columns matrix (row stride `ldc`): m[r, c] = a(m[r, c] + bias[c]), in place.
    /// The epilogue of a convolution GEMM, run on the rows a worker just computed.
    public static func biasActivation(_ m: UnsafeMutablePointer<Float>, rows: Range<Int>, columns: Int, ldc: Int,
                                      bias: UnsafePointer<Float>?, activation: Activation) {
        if bias == nil && activation == .identity { return }
        for r in rows {
            let row = m + r * ldc
            var c = 0
            while c + 8 <= columns {
                var v = load8(row + c)
                if let bias { v += load8(bias + c) }
                store8(activation.apply(v), row + c)
                c += 8
            }
            while c < columns {
                row[c] = activation.apply(row[c] + (bias?[c] ?? 0))
                c += 1
            }
        }
    }
}

extension Elementwise {
    /// dst[i] += src[i].
    public static func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
        let dP = SendablePointer(dst), sP = SendablePointer(src)
        parallelChunks(count, minimumPerThread: 32768) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                store8(load8(dP.base + i) + load8(sP.base + i), dP.base + i)
                i += 8
            }
            while i < range.upperBound { dP.base[i] += sP.base[i]; i += 1 }
        }
    }

    /// data[n, p, c] *= scales[n, c] (squeeze-excite gating), in place.
    public static func scaleChannelsInPlace(_ data: UnsafeMutablePointer<Float>, batch: Int, pixels: Int, channels c: Int,
                                            scales: UnsafePointer<Float>) {
        let dP = SendablePointer(data), sP = SendablePointer(scales)
        parallelChunks(batch * pixels, minimumPerThread: 256) { range in
            for row in range {
                let n = row / pixels
                let d = dP.base + row * c, s = UnsafePointer(sP.base) + n * c
                var ch = 0
                while ch + 8 <= c { store8(load8(d + ch) * load8(s + ch), d + ch); ch += 8 }
                while ch < c { d[ch] *= s[ch]; ch += 1 }
            }
        }
    }
}
