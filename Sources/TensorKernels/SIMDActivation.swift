import Foundation

extension Elementwise.Activation {
    /// The activation on eight lanes at once (sigmoid falls back to scalar lanes).
    @inline(__always) @inlinable
    public func apply(_ v: SIMD8<Float>) -> SIMD8<Float> {
        // Masked replacement instead of the standard library's pointwiseMin/Max, which are
        // not inlined for SIMD8<Float> and cost more than the arithmetic (seen in perf).
        switch self {
        case .identity: return v
        case .relu: return clampBelow(v, 0)
        case .relu6: return clampAbove(clampBelow(v, 0), 6)
        case .hardswish: return v * clampAbove(clampBelow(v + 3, 0), 6) * (1 / 6)
        case .hardsigmoid: return clampAbove(clampBelow(v + 3, 0), 6) * (1 / 6)
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
func clampBelow(_ v: SIMD8<Float>, _ low: Float) -> SIMD8<Float> { v.replacing(with: low, where: v .< low) }

@inline(__always) @usableFromInline
func clampAbove(_ v: SIMD8<Float>, _ high: Float) -> SIMD8<Float> { v.replacing(with: high, where: v .> high) }

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

extension Elementwise {
    /// gradIn = gradOut · a'(x), eight lanes at a time (same kink conventions as `derivative`).
    public static func activationBackwardSIMD(_ a: Activation, input x: UnsafePointer<Float>,
                                              outputGradient g: UnsafePointer<Float>,
                                              inputGradient out: UnsafeMutablePointer<Float>, count: Int) {
        let xP = SendablePointer(x), gP = SendablePointer(g), oP = SendablePointer(out)
        parallelChunks(count, minimumPerThread: 16384) { range in
            let x = UnsafePointer(xP.base), g = UnsafePointer(gP.base), out = oP.base
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let xv = load8(x + i), gv = load8(g + i)
                let r: SIMD8<Float>
                switch a {
                case .identity: r = gv
                case .relu: r = gv.replacing(with: 0, where: xv .<= 0)
                case .relu6: r = gv.replacing(with: 0, where: (xv .<= 0) .| (xv .>= 6))
                case .hardswish:
                    let d = (xv * (1 / 3) + 0.5).replacing(with: 0, where: xv .< -3).replacing(with: 1, where: xv .> 3)
                    r = gv * d
                case .hardsigmoid: r = (gv * (1 / 6)).replacing(with: 0, where: (xv .<= -3) .| (xv .>= 3))
                case .sigmoid:
                    var d = gv
                    for l in 0..<8 { d[l] = gv[l] * derivative(.sigmoid, xv[l]) }
                    r = d
                }
                store8(r, out + i)
                i += 8
            }
            while i < range.upperBound { out[i] = g[i] * derivative(a, x[i]); i += 1 }
        }
    }

    /// gradScale[n, c] = Σ_p grad[n, p, c] · x[n, p, c] (squeeze-excite gate gradient).
    public static func channelDotPerImage(_ grad: UnsafePointer<Float>, _ x: UnsafePointer<Float>, batch: Int, pixels: Int,
                                          channels c: Int, output: UnsafeMutablePointer<Float>) {
        let gP = SendablePointer(grad), xP = SendablePointer(x), oP = SendablePointer(output)
        parallelChunks(batch) { images in
            for n in images {
                let out = oP.base + n * c
                out.update(repeating: 0, count: c)
                for p in 0..<pixels {
                    let base = (n * pixels + p) * c
                    let gr = UnsafePointer(gP.base) + base, xr = UnsafePointer(xP.base) + base
                    var ch = 0
                    while ch + 8 <= c {
                        var acc = load8(out + ch)
                        acc.addProduct(load8(gr + ch), load8(xr + ch))
                        store8(acc, out + ch)
                        ch += 8
                    }
                    while ch < c { out[ch] += gr[ch] * xr[ch]; ch += 1 }
                }
            }
        }
    }
}
