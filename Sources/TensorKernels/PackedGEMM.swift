/// C = activation(A · B + bias) for the skinny products of 1×1 convolutions (K and N of a
/// few dozen to a few hundred), with the epilogue applied in registers.
///
/// A is [M, K] row-major (pixels × input channels); B is packed [K, N] (input × output
/// channels, N a multiple of 8); C is [M, N]. Register tile: 4 rows × 16 columns (eight
/// 8-lane accumulators), with 1-row and 8-column edges. OpenBLAS spends more time packing
/// than multiplying at these sizes and cannot fuse the bias and activation.
public enum PackedGEMM {
    /// Whether this kernel handles the shape (otherwise use `GEMM.sgemm`).
    public static func supports(n: Int) -> Bool { n % 8 == 0 && n > 0 }

    /// Computes rows `rows` of C.
    public static func multiply(rows: Range<Int>, k: Int, n: Int, a: UnsafePointer<Float>, lda: Int,
                                packedB b: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                activation: Elementwise.Activation, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var r = rows.lowerBound
        while r + 4 <= rows.upperBound {
            tile4(r, k: k, n: n, a: a, lda: lda, b: b, bias: bias, activation: activation, c: c, ldc: ldc)
            r += 4
        }
        while r < rows.upperBound {
            tile1(r, k: k, n: n, a: a, lda: lda, b: b, bias: bias, activation: activation, c: c, ldc: ldc)
            r += 1
        }
    }

    /// Parallel over row blocks on the engine's threads.
    public static func multiply(m: Int, k: Int, n: Int, a: UnsafePointer<Float>, packedB b: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, activation: Elementwise.Activation,
                                c: UnsafeMutablePointer<Float>) {
        let aP = SendablePointer(a), bP = SendablePointer(b), cP = SendablePointer(c)
        let biasP = bias.map { SendablePointer($0) }
        parallelChunks(m, minimumPerThread: max(4, 32768 / max(1, n * k))) { rows in
            multiply(rows: rows, k: k, n: n, a: UnsafePointer(aP.base), lda: k, packedB: UnsafePointer(bP.base),
                     bias: biasP.map { UnsafePointer($0.base) }, activation: activation, c: cP.base, ldc: n)
        }
    }

    @inline(__always)
    static func tile4(_ r: Int, k: Int, n: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>?, activation: Elementwise.Activation,
                      c: UnsafeMutablePointer<Float>, ldc: Int) {
        let a0 = a + r * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        var j = 0
        while j + 16 <= n {
            var c00: SIMD8<Float> = .zero, c01: SIMD8<Float> = .zero, c10: SIMD8<Float> = .zero, c11: SIMD8<Float> = .zero
            var c20: SIMD8<Float> = .zero, c21: SIMD8<Float> = .zero, c30: SIMD8<Float> = .zero, c31: SIMD8<Float> = .zero
            var bp = b + j
            for p in 0..<k {
                let b0 = load8(bp), b1 = load8(bp + 8)
                let x0 = SIMD8(repeating: a0[p]), x1 = SIMD8(repeating: a1[p])
                let x2 = SIMD8(repeating: a2[p]), x3 = SIMD8(repeating: a3[p])
                c00.addProduct(x0, b0); c01.addProduct(x0, b1)
                c10.addProduct(x1, b0); c11.addProduct(x1, b1)
                c20.addProduct(x2, b0); c21.addProduct(x2, b1)
                c30.addProduct(x3, b0); c31.addProduct(x3, b1)
                bp += n
            }
            let bias0 = bias.map { load8($0 + j) } ?? .zero, bias1 = bias.map { load8($0 + j + 8) } ?? .zero
            let row = c + r * ldc + j
            store8(activation.apply(c00 + bias0), row); store8(activation.apply(c01 + bias1), row + 8)
            store8(activation.apply(c10 + bias0), row + ldc); store8(activation.apply(c11 + bias1), row + ldc + 8)
            store8(activation.apply(c20 + bias0), row + 2 * ldc); store8(activation.apply(c21 + bias1), row + 2 * ldc + 8)
            store8(activation.apply(c30 + bias0), row + 3 * ldc); store8(activation.apply(c31 + bias1), row + 3 * ldc + 8)
            j += 16
        }
        if j < n {   // one 8-wide column block left
            var c0: SIMD8<Float> = .zero, c1: SIMD8<Float> = .zero, c2: SIMD8<Float> = .zero, c3: SIMD8<Float> = .zero
            var bp = b + j
            for p in 0..<k {
                let b0 = load8(bp)
                c0.addProduct(SIMD8(repeating: a0[p]), b0); c1.addProduct(SIMD8(repeating: a1[p]), b0)
                c2.addProduct(SIMD8(repeating: a2[p]), b0); c3.addProduct(SIMD8(repeating: a3[p]), b0)
                bp += n
            }
            let bias0 = bias.map { load8($0 + j) } ?? .zero
            let row = c + r * ldc + j
            store8(activation.apply(c0 + bias0), row); store8(activation.apply(c1 + bias0), row + ldc)
            store8(activation.apply(c2 + bias0), row + 2 * ldc); store8(activation.apply(c3 + bias0), row + 3 * ldc)
        }
    }

    @inline(__always)
    static func tile1(_ r: Int, k: Int, n: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                      bias: UnsafePointer<Float>?, activation: Elementwise.Activation,
                      c: UnsafeMutablePointer<Float>, ldc: Int) {
        let a0 = a + r * lda
        var j = 0
        while j < n {
            var acc: SIMD8<Float> = .zero
            var bp = b + j
            for p in 0..<k {
                acc.addProduct(SIMD8(repeating: a0[p]), load8(bp))
                bp += n
            }
            store8(activation.apply(acc + (bias.map { load8($0 + j) } ?? .zero)), c + r * ldc + j)
            j += 8
        }
    }

    /// Packs OHWI / [N, K] weights into [K, N].
    public static func pack(_ weight: UnsafePointer<Float>, n: Int, k: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n * k)
        for o in 0..<n { for p in 0..<k { out[p * n + o] = weight[o * k + p] } }
        return out
    }
}
