#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The one entry point to BLAS matrix multiplication (OpenBLAS on Linux, Accelerate on Apple).
///
/// BLAS runs single-threaded; `sgemm` splits large products into row blocks across the
/// engine's own threads. One pool instead of two: OpenBLAS's spinning threads and the
/// engine's workers otherwise fight over the cores (seen as ~25 % of time in sched_yield).
public enum GEMM {
    /// Below this many multiply-adds a product runs on one thread.
    @usableFromInline static let parallelThreshold = 1 << 18

    /// C = alpha · op(A) · op(B) + beta · C, all row-major. op(A) is m×k, op(B) is k×n.
    /// - Parameters: lda/ldb/ldc: row strides in elements of A, B, C as stored.
    @inlinable
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0 && n > 0 else { return }
        if k == 0 {
            // BLAS leaves C untouched only for beta = 1; make k = 0 mean "scale C by beta".
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        let threads = EngineThreads.count
        if threads == 1 || m * n * k < parallelThreshold || m < 2 * threads {
            blas(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Row blocks of C: block i uses rows of op(A) only, so workers never share output.
        let aP = SendablePointer(a), bP = SendablePointer(b), cP = SendablePointer(c)
        parallelChunks(m) { rows in
            let rowA = transA ? UnsafePointer(aP.base) + rows.lowerBound : UnsafePointer(aP.base) + rows.lowerBound * lda
            blas(transA, transB, rows.count, n, k, alpha, rowA, lda, UnsafePointer(bP.base), ldb, beta,
                 cP.base + rows.lowerBound * ldc, ldc)
        }
    }

    @inlinable
    static func blas(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                     _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// BLAS itself always runs on one thread (see the type's comment).
    static func configureBLAS() {
        #if !canImport(Accelerate)
        openblas_set_num_threads(1)
        #endif
    }
}
