import Dispatch
import Foundation
import Synchronization

/// A raw pointer that may cross into `concurrentPerform` workers. Each worker writes a
/// disjoint range, which is what makes sharing it sound.
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<T>
    @inlinable init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    @inlinable init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}

/// How many threads the engine's own kernels and BLAS use. Defaults to every core.
public enum EngineThreads {
    private static let storage = Atomic<Int>(0)

    /// The thread count in force (at least 1). The first read also puts BLAS in
    /// single-threaded mode, since the engine parallelises GEMM itself.
    public static var count: Int {
        let value = storage.load(ordering: .relaxed)
        if value > 0 { return value }
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        set(cores)
        return cores
    }

    /// Sets the thread count for engine kernels (and the row-blocked GEMM).
    public static func set(_ threads: Int) {
        GEMM.configureBLAS()
        storage.store(max(1, threads), ordering: .relaxed)
    }
}

/// Splits `0..<count` into contiguous chunks, one per engine thread, and runs `body` on each.
/// Work smaller than `minimumPerThread` items per thread runs inline: spawning costs more.
@inlinable
public func parallelChunks(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
    let threads = min(EngineThreads.count, max(1, count / max(1, minimumPerThread)))
    if threads <= 1 || count <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let start = count * t / threads, end = count * (t + 1) / threads
            if start < end { work(start..<end) }
        }
    }
}
