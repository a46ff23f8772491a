import Architectures
import Dispatch
import TensorKernels
import Tensors

/// MobileNetV3 compiled for inference: batch norm folded into the convolutions, activations
/// fused into their epilogues, squeeze-excite applied in place, and every buffer allocated
/// once for `maxBatch` images, so `run` allocates no tensors.
///
/// Input [N, H, W, 3] (normalised, NHWC) with N ≤ maxBatch; output [N, outputCount].
/// Not thread-safe: one caller at a time (its buffers are reused between calls).
public final class MobileNetV3Plan: BatchedPlan {
    public let configuration: MobileNetV3Configuration
    public let inputHeight: Int
    public let inputWidth: Int
    public let maxBatch: Int

    private enum Step {
        case conv(FoldedConvolution, from: Int, to: Int)
        case squeezeExcite(SqueezeExciteStep, buffer: Int)
        case addInPlace(into: Int, from: Int, perImage: Int)
        /// Marks where `features[index]` of the torchvision model ends (for debugging/tests).
        case featureEnd(index: Int, buffer: Int, shape: [Int])
    }

    private var steps: [Step] = []
    private var finalBuffer = 0
    private let finalChannels: Int
    private let finalPixels: Int
    private let head: ClassifierHead
    private let sizes: Workspace.Sizes
    /// Buffers for `maxBatch` images, used when one batch is spread over all threads.
    private let workspace: Workspace
    /// Per-thread buffers for `imagesPerWorker` images, used when a large batch is split
    /// into per-thread sub-batches (created on first use).
    private var workerWorkspaces: [Workspace] = []
    /// Images each worker pushes through the network at once: small enough that activations
    /// stay in cache, large enough to reuse each layer's weights (measured: see PERFORMANCE.md).
    public var imagesPerWorker = 8

    /// - Parameter weights: every tensor of the model by torchvision name, engine layout (OHWI).
    public init(configuration: MobileNetV3Configuration, weights: NamedWeights, inputHeight: Int, inputWidth: Int,
                maxBatch: Int) throws(PlanError) {
        guard maxBatch >= 1, inputHeight >= 32, inputWidth >= 32 else {
            throw .invalidInput("need maxBatch ≥ 1 and an input of at least 32×32 (got \(maxBatch), \(inputHeight)×\(inputWidth))")
        }
        self.configuration = configuration
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.maxBatch = maxBatch
        let eps: Float = 0.001
        let blocks = configuration.blocks

        var steps: [Step] = []
        var largest = inputHeight * inputWidth * 3
        var largestScratch = 0
        var h = inputHeight, w = inputWidth
        func add(_ conv: FoldedConvolution, from: Int, to: Int) {
            steps.append(.conv(conv, from: from, to: to))
            largest = max(largest, conv.outputPixels * conv.geometry.outChannels)
            largestScratch = max(largestScratch, FusedConvolution.scratchCount(conv.geometry))
            h = conv.geometry.outHeight
            w = conv.geometry.outWidth
        }
        // Buffer 0 holds the input; blocks rotate through buffers 1…3.
        let stem = try FoldedConvolution(weights: weights, conv: "features.0.0", bn: "features.0.1", epsilon: eps,
                                         inChannels: 3, outChannels: blocks[0].inChannels, kernel: 3, stride: 2,
                                         groups: 1, inputHeight: h, inputWidth: w, activation: .hardswish)
        add(stem, from: 0, to: 1)
        steps.append(.featureEnd(index: 0, buffer: 1, shape: [h, w, blocks[0].inChannels]))
        var current = 1
        var seSteps: [SqueezeExciteStep] = []
        for (index, block) in blocks.enumerated() {
            let prefix = "features.\(index + 1).block"
            let others = [1, 2, 3].filter { $0 != current }
            let (a, b) = (others[0], others[1])
            var layer = 0
            var source = current
            if block.expandedChannels != block.inChannels {
                add(try FoldedConvolution(weights: weights, conv: "\(prefix).0.0", bn: "\(prefix).0.1", epsilon: eps,
                                          inChannels: block.inChannels, outChannels: block.expandedChannels, kernel: 1,
                                          stride: 1, groups: 1, inputHeight: h, inputWidth: w, activation: block.activation),
                    from: source, to: a)
                source = a
                layer += 1
            }
            let dwTarget = source == a ? b : a
            add(try FoldedConvolution(weights: weights, conv: "\(prefix).\(layer).0", bn: "\(prefix).\(layer).1", epsilon: eps,
                                      inChannels: block.expandedChannels, outChannels: block.expandedChannels,
                                      kernel: block.kernel, stride: block.dilation > 1 ? 1 : block.stride,
                                      dilation: block.dilation, groups: block.expandedChannels, inputHeight: h,
                                      inputWidth: w, activation: block.activation),
                from: source, to: dwTarget)
            layer += 1
            if block.squeezeExcite {
                let se = try SqueezeExciteStep(weights: weights, prefix: "\(prefix).\(layer)", channels: block.expandedChannels,
                                               squeezeChannels: block.squeezeChannels, pixels: h * w)
                seSteps.append(se)
                steps.append(.squeezeExcite(se, buffer: dwTarget))
                layer += 1
            }
            let projectTarget = [1, 2, 3].first { $0 != current && $0 != dwTarget }!
            add(try FoldedConvolution(weights: weights, conv: "\(prefix).\(layer).0", bn: "\(prefix).\(layer).1", epsilon: eps,
                                      inChannels: block.expandedChannels, outChannels: block.outChannels, kernel: 1,
                                      stride: 1, groups: 1, inputHeight: h, inputWidth: w, activation: .identity),
                from: dwTarget, to: projectTarget)
            if block.hasResidual { steps.append(.addInPlace(into: projectTarget, from: current, perImage: h * w * block.outChannels)) }
            current = projectTarget
            steps.append(.featureEnd(index: index + 1, buffer: current, shape: [h, w, block.outChannels]))
        }
        let lastIn = blocks.last!.outChannels
        let lastIndex = blocks.count + 1
        let lastTarget = current == 1 ? 2 : 1
        add(try FoldedConvolution(weights: weights, conv: "features.\(lastIndex).0", bn: "features.\(lastIndex).1",
                                  epsilon: eps, inChannels: lastIn, outChannels: 6 * lastIn, kernel: 1, stride: 1,
                                  groups: 1, inputHeight: h, inputWidth: w, activation: .hardswish),
            from: current, to: lastTarget)
        steps.append(.featureEnd(index: lastIndex, buffer: lastTarget, shape: [h, w, 6 * lastIn]))
        finalBuffer = lastTarget
        finalChannels = 6 * lastIn
        finalPixels = h * w
        head = try ClassifierHead(weights: weights, inFeatures: 6 * lastIn, hidden: configuration.lastChannels,
                                  outputs: configuration.outputCount)
        self.steps = steps
        let widestSE = seSteps.map(\.channels).max() ?? 0
        sizes = Workspace.Sizes(activation: largest, scratch: largestScratch,
                                pooled: max(finalChannels, widestSE), hidden: max(configuration.lastChannels, widestSE))
        workspace = Workspace(sizes, images: maxBatch)
    }

    public var outputCount: Int { configuration.outputCount }

    /// Runs `batch` images from `input` ([batch, H, W, 3]) into `output` ([batch, outputCount]).
    ///
    /// A batch of at least two images per thread is split into per-thread sub-batches that run
    /// independently (no synchronisation per layer, activations kept in cache); smaller batches
    /// use every thread inside each layer.
    public func run(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>) {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1…\(maxBatch)")
        let imageFloats = inputHeight * inputWidth * 3, outputs = outputCount, sizes = sizes, chunk = imagesPerWorker
        let split = splitAcrossWorkers(batch: batch, chunk: chunk, prepare: { threads in
            while workerWorkspaces.count < threads { workerWorkspaces.append(Workspace(sizes, images: chunk)) }
        }) { t, start, n in
            run(input: input + start * imageFloats, batch: n, output: output + start * outputs, workspace: workerWorkspaces[t], observe: nil)
        }
        if !split { run(input: input, batch: batch, output: output, workspace: workspace, observe: nil) }
    }

    /// Runs one batch and also returns the output of every `features[i]` block, NHWC (for
    /// comparing with the training model or a reference; allocates).
    public func featureOutputs(_ input: Tensor) -> (features: [Tensor], output: Tensor) {
        let n = input.shape[0]
        var features: [Tensor] = []
        var out = Tensor(shape: [n, outputCount])
        input.withUnsafePointer { ip in
            out.withUnsafeMutablePointer { op in
                run(input: ip, batch: n, output: op, workspace: workspace) { shape, pointer in
                    features.append(Tensor(shape: [n] + shape,
                                           scalars: Array(UnsafeBufferPointer(start: pointer, count: n * shape.reduce(1, *)))))
                }
            }
        }
        return (features, out)
    }

    /// Time and multiply-accumulates spent in each kind of layer over `runs` calls (for the
    /// benchmark's per-layer-type GFLOP/s report).
    public func profile(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>,
                        runs: Int) -> [LayerTiming] {
        var totals: [String: (seconds: Double, macs: Int)] = [:]
        for _ in 0..<runs {
            run(input: input, batch: batch, output: output, workspace: workspace, observe: nil) { kind, seconds, macs in
                totals[kind, default: (0, 0)].seconds += seconds
                totals[kind, default: (0, 0)].macs += macs
            }
        }
        return totals.map { LayerTiming(kind: $0.key, seconds: $0.value.seconds / Double(runs), macs: $0.value.macs / runs) }
            .sorted { $0.seconds > $1.seconds }
    }

    private func run(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>, workspace: Workspace,
                     observe: (([Int], UnsafePointer<Float>) -> Void)?,
                     time: ((String, Double, Int) -> Void)? = nil) {
        precondition(batch >= 1 && batch <= workspace.images, "batch \(batch) outside 1…\(workspace.images)")
        workspace.buffers[0].update(from: input, count: batch * inputHeight * inputWidth * 3)
        for step in steps {
            let started = time == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            defer {
                if let time {
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                    switch step {
                    case .conv(let conv, _, _):
                        var g = conv.geometry
                        g.batch = batch
                        let kind = g.isDepthwise ? "depthwise \(g.kernelH)x\(g.kernelW)" : g.kernelH == 1 ? "1x1 conv" : "stem 3x3 conv"
                        time(kind, seconds, g.macs)
                    case .squeezeExcite(let se, _):
                        time("squeeze-excite", seconds, batch * (2 * se.channels * se.squeezeChannels + 2 * se.channels * se.pixels))
                    case .addInPlace(_, _, let perImage): time("residual add", seconds, batch * perImage)
                    case .featureEnd: break
                    }
                }
            }
            switch step {
            case .conv(let conv, let from, let to):
                conv.run(batch: batch, input: workspace.buffers[from], output: workspace.buffers[to], scratch: workspace.scratch)
            case .squeezeExcite(let se, let buffer):
                se.apply(batch: batch, data: workspace.buffers[buffer], pooled: workspace.pooled, hidden: workspace.hidden)
            case .addInPlace(let into, let from, let perImage):
                Elementwise.addInPlace(workspace.buffers[into], workspace.buffers[from], count: batch * perImage)
            case .featureEnd(_, let buffer, let shape):
                observe?(shape, workspace.buffers[buffer])
            }
        }
        let headStart = DispatchTime.now().uptimeNanoseconds
        defer {
            time?("pool + classifier", Double(DispatchTime.now().uptimeNanoseconds - headStart) / 1e9,
                  batch * (finalChannels * finalPixels + head.inFeatures * head.hiddenFeatures + head.hiddenFeatures * head.outputs))
        }
        Pooling.globalAveragePool(workspace.buffers[finalBuffer], batch: batch, pixels: finalPixels, channels: finalChannels,
                                  output: workspace.pooled)
        head.apply(batch: batch, features: workspace.pooled, hidden: workspace.hidden, output: output)
    }

    /// Runs `batch` images on one thread set and hands every `features[i]` output to
    /// `observe` (shape without the batch, pointer into the plan's workspace, valid only during
    /// the call) — for models that use the backbone's feature maps, like the fly detector. The
    /// classifier head still runs (its cost is small); its output is discarded.
    public func runObservingFeatures(input: UnsafePointer<Float>, batch: Int, observe: ([Int], UnsafePointer<Float>) -> Void) {
        var discarded = [Float](repeating: 0, count: batch * outputCount)
        discarded.withUnsafeMutableBufferPointer { runObservingFeatures(input: input, batch: batch, output: $0.baseAddress!, observe: observe) }
    }

    /// As above, keeping the classifier head's output ([batch, outputCount]) — for models that
    /// use both, like the trait classifier with keypoint maps.
    public func runObservingFeatures(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>,
                                     observe: ([Int], UnsafePointer<Float>) -> Void) {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1…\(maxBatch)")
        withoutActuallyEscaping(observe) { observer in
            run(input: input, batch: batch, output: output, workspace: workspace, observe: observer)
        }
    }

    /// Convenience: a tensor in, a tensor out (allocates the output).
    public func callAsFunction(_ input: Tensor) -> Tensor { runAll(input) }

}

/// Time per call and multiply-accumulates per call of one kind of layer.
public struct LayerTiming: Sendable {
    public let kind: String
    public let seconds: Double
    public let macs: Int
    public var gflops: Double { seconds > 0 ? 2 * Double(macs) / seconds / 1e9 : 0 }
}

/// Activation buffers and scratch for a given number of images, allocated once.
final class Workspace {
    struct Sizes {
        /// Floats per image of the largest activation, of im2col scratch, of the pooled
        /// vector and of the classifier's hidden layer.
        let activation: Int, scratch: Int, pooled: Int, hidden: Int
    }

    let images: Int
    /// Buffer 0 is the input; 1…3 rotate through the blocks.
    let buffers: [UnsafeMutablePointer<Float>]
    let scratch: UnsafeMutablePointer<Float>
    let pooled: UnsafeMutablePointer<Float>
    let hidden: UnsafeMutablePointer<Float>

    init(_ sizes: Sizes, images: Int) {
        self.images = images
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            return p
        }
        buffers = (0..<4).map { _ in allocate(sizes.activation * images) }
        scratch = allocate(sizes.scratch * images)
        pooled = allocate(sizes.pooled * images)
        hidden = allocate(sizes.hidden * images)
    }

    deinit {
        for b in buffers { b.deallocate() }
        scratch.deallocate()
        pooled.deallocate()
        hidden.deallocate()
    }
}
