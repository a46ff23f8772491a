/// Batch normalisation over the rows of an NHWC tensor seen as [rows = N·H·W, channels].
public enum BatchNormKernels {
    /// Per-channel batch mean and biased variance (two passes, Double accumulation, per-thread
    /// partial sums).
    public static func statistics(_ x: UnsafePointer<Float>, rows: Int, channels c: Int,
                                  mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
        let sums = channelSums(rows: rows, channels: c) { r, acc in
            let row = x + r * c
            for ch in 0..<c { acc[ch] += Double(row[ch]) }
        }
        for ch in 0..<c { mean[ch] = Float(sums[ch] / Double(rows)) }
        let meanP = SendablePointer(UnsafePointer(mean))
        let squares = channelSums(rows: rows, channels: c) { r, acc in
            let row = x + r * c
            for ch in 0..<c { let d = Double(row[ch] - meanP.base[ch]); acc[ch] += d * d }
        }
        for ch in 0..<c { variance[ch] = Float(squares[ch] / Double(rows)) }
    }

    /// y[r, c] = x[r, c] · scale[c] + shift[c] (eval-mode batch norm, or any channel affine map).
    public static func channelAffine(_ x: UnsafePointer<Float>, rows: Int, channels c: Int,
                                     scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                                     output: UnsafeMutablePointer<Float>) {
        let xP = SendablePointer(x), sP = SendablePointer(scale), tP = SendablePointer(shift), oP = SendablePointer(output)
        parallelChunks(rows, minimumPerThread: 256) { range in
            for r in range {
                let src = xP.base + r * c, dst = oP.base + r * c
                for ch in 0..<c { dst[ch] = src[ch] * sP.base[ch] + tP.base[ch] }
            }
        }
    }

    /// Training-mode backward given the saved batch mean and 1/√(var+ε):
    /// x̂ = (x−μ)·invstd; dβ = Σdy; dγ = Σdy·x̂; dx = γ·invstd/M · (M·dy − dβ − x̂·dγ).
    public static func backwardTraining(_ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                        rows: Int, channels c: Int, mean: UnsafePointer<Float>,
                                        invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                        inputGradient: UnsafeMutablePointer<Float>?,
                                        gammaGradient: UnsafeMutablePointer<Float>,
                                        betaGradient: UnsafeMutablePointer<Float>) {
        let meanP = SendablePointer(mean), invP = SendablePointer(invStd)
        let sums = channelSums(rows: rows, channels: 2 * c) { r, acc in
            let xr = x + r * c, dr = dy + r * c
            for ch in 0..<c {
                let g = Double(dr[ch])
                acc[ch] += g
                acc[c + ch] += g * Double((xr[ch] - meanP.base[ch]) * invP.base[ch])
            }
        }
        for ch in 0..<c {
            betaGradient[ch] = Float(sums[ch])
            gammaGradient[ch] = Float(sums[c + ch])
        }
        guard let inputGradient else { return }
        let m = Float(rows)
        var k1 = [Float](repeating: 0, count: c), k2 = [Float](repeating: 0, count: c), k3 = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            k1[ch] = gamma[ch] * invStd[ch]                    // multiplies dy
            k2[ch] = k1[ch] * betaGradient[ch] / m             // subtracted
            k3[ch] = k1[ch] * gammaGradient[ch] / m            // multiplies x̂
        }
        let xP = SendablePointer(x), dP = SendablePointer(dy), oP = SendablePointer(inputGradient)
        k1.withUnsafeBufferPointer { k1b in k2.withUnsafeBufferPointer { k2b in k3.withUnsafeBufferPointer { k3b in
            let a = SendablePointer(k1b.baseAddress!), b = SendablePointer(k2b.baseAddress!), d = SendablePointer(k3b.baseAddress!)
            parallelChunks(rows, minimumPerThread: 256) { range in
                for r in range {
                    let xr = xP.base + r * c, dr = dP.base + r * c, o = oP.base + r * c
                    for ch in 0..<c {
                        let xhat = (xr[ch] - meanP.base[ch]) * invP.base[ch]
                        o[ch] = a.base[ch] * dr[ch] - b.base[ch] - d.base[ch] * xhat
                    }
                }
            }
        }}}
    }

    /// Σ over rows of per-row contributions into `channels` Double accumulators, parallel
    /// with one accumulator array per thread.
    static func channelSums(rows: Int, channels: Int,
                            _ accumulate: (Int, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        let threads = max(1, min(EngineThreads.count, rows / 64))
        var partial = [Double](repeating: 0, count: threads * channels)
        partial.withUnsafeMutableBufferPointer { pb in
            let pP = SendablePointer(pb.baseAddress!)
            withoutActuallyEscaping(accumulate) { accumulate in
                nonisolated(unsafe) let body = accumulate
                parallelChunks(threads) { ts in
                    for t in ts {
                        for r in (rows * t / threads)..<(rows * (t + 1) / threads) { body(r, pP.base + t * channels) }
                    }
                }
            }
        }
        var total = [Double](repeating: 0, count: channels)
        for t in 0..<threads { for ch in 0..<channels { total[ch] += partial[t * channels + ch] } }
        return total
    }
}
