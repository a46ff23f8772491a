import Dispatch
import Foundation
import Synchronization

/// A raw pointer that may cross into `concurrentPerform` workers. Each worker writes a
/// disjoint range, which is what makes sharing it sound.
public struct SendablePointer<T>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    @inlinable public init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    @inlinable public init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}

/// How many threads the engine's own kernels and BLAS use. Defaults to every core.
public enum EngineThreads {
    private static let storage = Atomic<Int>(0)

    /// The thread count in force (at least 1; 1 inside `serially`). The first read also puts
    /// BLAS in single-threaded mode, since the engine parallelises GEMM itself.
    public static var count: Int {
        if pthread_getspecific(serialKey) != nil { return 1 }
        let value = storage.load(ordering: .relaxed)
        if value > 0 { return value }
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        set(cores)
        return cores
    }

    /// Runs `body` with every kernel on the calling thread only (for workers that each take
    /// a share of a batch).
    public static func serially<R>(_ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(serialKey)
        pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(serialKey, previous) }
        return try body()
    }

    private static let serialKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

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

/// `transform(i)` for every `i` in `0..<count`, spread over the engine threads in contiguous
/// chunks; the results come back in index order. For per-item work that is independent and
/// large enough to pay for a thread (e.g. augmenting the crops of a training batch).
public func parallelMap<T>(_ count: Int, _ transform: (Int) -> T) -> [T] {
    var results = [T?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { buffer in
        nonisolated(unsafe) let slots = buffer   // each index is written by exactly one chunk
        parallelChunks(count) { range in
            for i in range { slots[i] = transform(i) }
        }
    }
    return results.map { $0! }
}
