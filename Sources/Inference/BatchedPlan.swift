import Dispatch
import TensorKernels
import Tensors

/// What the fp32 and int8 MobileNetV3 plans share: a fixed input size, a batch limit, float
/// images in and float outputs out — and the two ways of spreading a batch over the cores.
protocol BatchedPlan: AnyObject {
    var inputHeight: Int { get }
    var inputWidth: Int { get }
    var maxBatch: Int { get }
    var outputCount: Int { get }
    func run(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>)
}

extension BatchedPlan {
    /// Convenience: a tensor in, a tensor out (allocates the output; any number of images, run
    /// `maxBatch` at a time).
    func runAll(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputHeight && input.shape[2] == inputWidth && input.shape[3] == 3,
                     "input \(input.shape) does not match the plan's [N, \(inputHeight), \(inputWidth), 3]")
        var out = Tensor(shape: [input.shape[0], outputCount])
        var start = 0
        while start < input.shape[0] {
            let n = min(maxBatch, input.shape[0] - start)
            input.withUnsafePointer { ip in
                out.withUnsafeMutablePointer { op in
                    run(input: ip + start * inputHeight * inputWidth * 3, batch: n, output: op + start * outputCount)
                }
            }
            start += n
        }
        return out
    }
}

/// Splits a batch of at least two images per thread into per-thread sub-batches of at most
/// `chunk` images that run independently (no synchronisation per layer, activations kept in
/// cache); returns false (doing nothing) when the batch is too small for that, so the caller
/// runs it on all threads inside each layer instead. `body(worker, first image, count)` runs
/// serially on its thread.
func splitAcrossWorkers(batch: Int, chunk: Int, prepare: (Int) -> Void, body: (Int, Int, Int) -> Void) -> Bool {
    let threads = EngineThreads.count
    guard threads > 1 && batch >= 2 * threads else { return false }
    prepare(threads)
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body   // each worker touches only its own images and workspace
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let first = batch * t / threads, last = batch * (t + 1) / threads
            EngineThreads.serially {
                var start = first
                while start < last {
                    let n = min(chunk, last - start)
                    work(t, start, n)
                    start += n
                }
            }
        }
    }
    return true
}
