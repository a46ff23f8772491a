import Architectures
import Dispatch
import TensorKernels
import Tensors

/// MobileNetV3 compiled for integer inference (static int8, Jacob et al. 2018): uint8
/// activations with per-tensor scales from calibration, int8 per-channel weights, int32
/// accumulation in the u8×s8 kernels, fixed-point requantisation between layers, hardswish
/// as a 256-entry table between two uint8 domains. Float appears only at the boundaries (the
/// input is quantised, the logits dequantised — unless `run(quantizedInput:…)` is used, the
/// int8-io form) and in the squeeze-excite gates (see `QuantizedSqueezeExcite`).
///
/// Not thread-safe: one caller at a time (its buffers are reused between calls).
public final class QuantizedMobileNetV3Plan: BatchedPlan {
    public let network: QuantizedNetwork
    public let graph: MobileNetV3Graph
    public let maxBatch: Int
    public let inputQuantization: AffineQuantization
    /// The head's output quantisation (int8-io); nil for a backbone without a head.
    public var outputQuantization: AffineQuantization { head!.output }
    /// Whether the network ends in the pooled classifier head (backbones for detectors do not).
    public var hasHead: Bool { head != nil }

    private enum Step {
        case dense(QuantizedDenseConvolution, from: Int, to: Int)
        case depthwise(QuantizedDepthwiseConvolution, from: Int, to: Int)
        case squeezeExcite(QuantizedSqueezeExcite, buffer: Int)
        case add(QuantizedAdd, into: Int, from: Int, perImage: Int)
    }

    private let steps: [Step]
    /// Per step: the tensor it writes, its quantisation and floats per image (for observers).
    private let stepOutputs: [(name: String, quantization: AffineQuantization, perImage: Int)]
    private let finalBuffer: Int
    private let finalQuantization: AffineQuantization
    private let head: QuantizedClassifierHead?
    /// Step index after which each `features[i]` ends, with its buffer, quantisation and shape.
    private let featureEnds: [(step: Int, buffer: Int, quantization: AffineQuantization, shape: [Int])]
    private let sizes: QuantizedWorkspace.Sizes
    private let workspace: QuantizedWorkspace
    private var workerWorkspaces: [QuantizedWorkspace] = []
    /// Images each worker pushes through the network at once (as in the float plan).
    public var imagesPerWorker = 8

    public init(network: QuantizedNetwork, inputHeight: Int, inputWidth: Int, maxBatch: Int) throws(PlanError) {
        guard maxBatch >= 1, inputHeight >= 32, inputWidth >= 32 else {
            throw .invalidInput("need maxBatch ≥ 1 and an input of at least 32×32 (got \(maxBatch), \(inputHeight)×\(inputWidth))")
        }
        let graph = MobileNetV3Graph(configuration: network.configuration, inputHeight: inputHeight, inputWidth: inputWidth)
        self.network = network
        self.graph = graph
        self.maxBatch = maxBatch
        func quantization(_ name: String) throws(PlanError) -> AffineQuantization {
            guard let q = network.quantization(of: name) else { throw .invalidInput("no calibrated range for tensor '\(name)'") }
            return q
        }
        func layer(_ name: String) throws(PlanError) -> QuantizedNetwork.Layer {
            guard let l = network.layers[name] else { throw .missingTensor(name + ".weight") }
            return l
        }
        inputQuantization = try quantization("input")

        // Buffers: a tensor's buffer is free again after its last reader.
        var lastUse: [String: Int] = [:]
        for (i, step) in graph.steps.enumerated() {
            switch step {
            case .conv(let c): lastUse[c.input] = i
            case .squeezeExcite(let s): lastUse[s.tensor] = i
            case .add(let a): lastUse[a.a] = i; lastUse[a.b] = i
            }
        }
        lastUse[graph.final] = graph.steps.count
        var bufferOf: [String: Int] = ["input": 0]
        var scalesOf: [String: AffineQuantization] = ["input": inputQuantization]
        var bufferCount = 1
        func freeBuffer(at step: Int) -> Int {
            let busy = Set(bufferOf.filter { (lastUse[$0.key] ?? -1) >= step }.map(\.value))
            if let free = (0..<bufferCount).first(where: { !busy.contains($0) }) { return free }
            bufferCount += 1
            return bufferCount - 1
        }
        var steps: [Step] = []
        var observed: [(String, AffineQuantization, Int)] = []
        var largest = inputHeight * inputWidth * 3, scratch = 0
        for (i, step) in graph.steps.enumerated() {
            switch step {
            case .conv(let c):
                let out = try quantization(c.output)
                let pre = c.activation == .hardswish ? try quantization(c.preActivation) : nil
                let from = bufferOf[c.input]!, to = freeBuffer(at: i)
                if c.geometry.isDepthwise {
                    steps.append(.depthwise(try QuantizedDepthwiseConvolution(layer: try layer(c.name), geometry: c.geometry,
                                                                             activation: c.activation, input: scalesOf[c.input]!,
                                                                             output: out, preActivation: pre, name: c.name),
                                            from: from, to: to))
                } else {
                    let conv = try QuantizedDenseConvolution(layer: try layer(c.name), geometry: c.geometry, activation: c.activation,
                                                             input: scalesOf[c.input]!, output: out, preActivation: pre, name: c.name)
                    scratch = max(scratch, conv.scratchPerImage)
                    steps.append(.dense(conv, from: from, to: to))
                }
                bufferOf[c.output] = to
                scalesOf[c.output] = out
                observed.append((c.output, out, c.geometry.outputPixels * c.geometry.outChannels))
                largest = max(largest, c.geometry.outputPixels * c.geometry.outChannels)
            case .squeezeExcite(let s):
                let float = try SqueezeExciteStep(weights: network.squeezeExcite, prefix: s.prefix, channels: s.channels,
                                                  squeezeChannels: s.squeezeChannels, pixels: s.pixels)
                steps.append(.squeezeExcite(QuantizedSqueezeExcite(float: float, quantization: scalesOf[s.tensor]!), buffer: bufferOf[s.tensor]!))
                observed.append((s.tensor + ":gated", scalesOf[s.tensor]!, s.pixels * s.channels))
            case .add(let a):
                let out = try quantization(a.output)
                steps.append(.add(try QuantizedAdd(a: scalesOf[a.a]!, b: scalesOf[a.b]!, output: out, name: a.output),
                                  into: bufferOf[a.a]!, from: bufferOf[a.b]!, perImage: a.perImage))
                bufferOf[a.output] = bufferOf[a.a]!
                scalesOf[a.output] = out
                observed.append((a.output, out, a.perImage))
            }
        }
        self.steps = steps
        stepOutputs = observed
        finalBuffer = bufferOf[graph.final]!
        finalQuantization = scalesOf[graph.final]!

        var ends: [(Int, Int, AffineQuantization, [Int])] = []
        for (name, shape) in graph.featureEnds {
            guard let step = observed.lastIndex(where: { $0.0 == name }) else { continue }
            ends.append((step, bufferOf[name]!, scalesOf[name]!, shape))
        }
        featureEnds = ends
        let channels = graph.finalChannels
        let hidden = network.configuration.lastChannels, outputs = network.configuration.outputCount
        head = network.hasHead
            ? try QuantizedClassifierHead(network: network, final: finalQuantization, pixels: graph.finalPixels, channels: channels,
                                          quantization: quantization)
            : nil
        let widestSE = network.configuration.blocks.filter(\.squeezeExcite).map(\.expandedChannels).max() ?? 0
        sizes = QuantizedWorkspace.Sizes(buffers: bufferCount, activation: largest, scratch: scratch,
                                         vector: max(channels, hidden, widestSE, outputs))
        workspace = QuantizedWorkspace(sizes, images: maxBatch)
    }

    public var outputCount: Int { hasHead ? network.configuration.outputCount : 0 }
    public var inputHeight: Int { graph.inputHeight }
    public var inputWidth: Int { graph.inputWidth }

    /// Float in, float out: [batch, H, W, 3] normalised → [batch, outputCount]. Large batches
    /// are split into per-thread sub-batches as in the float plan.
    public func run(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>) {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1…\(maxBatch)")
        let imageFloats = inputHeight * inputWidth * 3, outputs = outputCount, sizes = sizes, chunk = imagesPerWorker
        let split = splitAcrossWorkers(batch: batch, chunk: chunk, prepare: { threads in
            while workerWorkspaces.count < threads { workerWorkspaces.append(QuantizedWorkspace(sizes, images: chunk)) }
        }) { t, start, n in
            run(input: .float(input + start * imageFloats), batch: n, output: .float(output + start * outputs), workspace: workerWorkspaces[t])
        }
        if !split { run(input: .float(input), batch: batch, output: .float(output), workspace: workspace) }
    }

    /// The int8-io form: uint8 input in `inputQuantization`, uint8 output in
    /// `outputQuantization` — no float at either end (8-bit codes, also with 7-bit activations).
    public func run(quantizedInput: UnsafePointer<UInt8>, batch: Int, quantizedOutput: UnsafeMutablePointer<UInt8>) {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1…\(maxBatch)")
        run(input: .quantized(quantizedInput), batch: batch, output: .quantized(quantizedOutput), workspace: workspace)
    }

    /// Convenience: a tensor in, a tensor out (allocates the output).
    public func callAsFunction(_ input: Tensor) -> Tensor { runAll(input) }

    private enum Input { case float(UnsafePointer<Float>), quantized(UnsafePointer<UInt8>) }
    private enum Output { case float(UnsafeMutablePointer<Float>), quantized(UnsafeMutablePointer<UInt8>), none }

    /// Time and multiply-accumulates per kind of step over `runs` calls of one batch on all
    /// threads (for `flytally bench engine --layers --precision int8`).
    public func profile(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>, runs: Int) -> [LayerTiming] {
        var totals: [String: (seconds: Double, macs: Int)] = [:]
        for _ in 0..<runs {
            run(input: .float(input), batch: batch, output: .float(output), workspace: workspace) { kind, seconds, macs in
                totals[kind, default: (0, 0)].seconds += seconds
                totals[kind, default: (0, 0)].macs += macs
            }
        }
        return totals.map { LayerTiming(kind: $0.key, seconds: $0.value.seconds / Double(runs), macs: $0.value.macs / runs) }
            .sorted { $0.seconds > $1.seconds }
    }

    /// Runs one batch (float in and out) and hands every step's output, dequantised, to
    /// `observe` by tensor name (as in `MobileNetV3Graph`; squeeze-excite outputs as
    /// "<tensor>:gated") — for comparing with the float network layer by layer.
    public func runObserving(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>,
                             observe: (String, [Float]) -> Void) {
        withoutActuallyEscaping(observe) { observe in
            run(input: .float(input), batch: batch, output: .float(output), workspace: workspace, observe: observe)
        }
    }

    private func run(input: Input, batch: Int, output: Output, workspace w: QuantizedWorkspace,
                     time: ((String, Double, Int) -> Void)? = nil, observe: ((String, [Float]) -> Void)? = nil,
                     afterStep: ((Int, QuantizedWorkspace) -> Void)? = nil) {
        let inputCount = batch * inputHeight * inputWidth * 3
        var clock = DispatchTime.now().uptimeNanoseconds
        switch input {
        case .float(let x):
            QuantizedElementwise.quantize(x, count: inputCount, scale: inputQuantization.scale,
                                          zeroPoint: inputQuantization.zeroPoint, levels: inputQuantization.levels, output: w.buffers[0])
        case .quantized(let q): w.buffers[0].update(from: q, count: inputCount)   // 8-bit codes either way
        }
        func lap(_ kind: String, _ macs: Int) {
            guard let time else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            time(kind, Double(now - clock) / 1e9, macs)
            clock = now
        }
        lap("quantize input", 0)
        for (index, step) in steps.enumerated() {
            defer {
                afterStep?(index, w)
                if let observe {
                    let (name, q, perImage) = stepOutputs[index]
                    let buffer: Int
                    switch step {
                    case .dense(_, _, let to), .depthwise(_, _, let to): buffer = to
                    case .squeezeExcite(_, let b): buffer = b
                    case .add(_, let into, _, _): buffer = into
                    }
                    observe(name, (0..<batch * perImage).map { q.dequantize(w.buffers[buffer][$0]) })
                }
                switch step {
                case .dense(let conv, _, _):
                    lap(conv.geometry.kernelH == 1 ? "1x1 conv" : "stem 3x3 conv", batch * conv.geometry.macs)
                case .depthwise(let conv, _, _): lap("depthwise \(conv.geometry.kernelH)x\(conv.geometry.kernelW)", batch * conv.geometry.macs)
                case .squeezeExcite: lap("squeeze-excite", 0)
                case .add: lap("residual add", 0)
                }
            }
            switch step {
            case .dense(let conv, let from, let to): conv.run(batch: batch, input: w.buffers[from], output: w.buffers[to], scratch: w.scratch)
            case .depthwise(let conv, let from, let to): conv.run(batch: batch, input: w.buffers[from], output: w.buffers[to])
            case .squeezeExcite(let se, let buffer):
                se.run(batch: batch, data: w.buffers[buffer], sums: w.sums, pooled: w.pooled, hidden: w.hidden)
            case .add(let add, let into, let from, let perImage): add.run(into: w.buffers[into], from: w.buffers[from], count: batch * perImage)
            }
        }
        defer { lap("pool + classifier", 0) }
        switch output {
        case .none: break
        case .float(let out): head!.run(batch: batch, final: w.buffers[finalBuffer], workspace: w, floatOutput: out, codes: nil)
        case .quantized(let out): head!.run(batch: batch, final: w.buffers[finalBuffer], workspace: w, floatOutput: nil, codes: out)
        }
    }

    /// Runs the backbone on `batch` images and hands every `features[i]` map (index, shape
    /// [H, W, C] per image, values of all images dequantised) to `observe` — for detectors,
    /// whose float neck reads these maps, and trait classifiers with keypoint maps. The head
    /// runs only when `output` is given ([batch, outputCount] floats). With `only`, just those
    /// maps are dequantised and handed over (dequantising all thirteen costs as much as a few
    /// layers).
    public func runObservingFeatures(input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>? = nil,
                                     only: Set<Int>? = nil, observe: (Int, [Int], [Float]) -> Void) {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1…\(maxBatch)")
        precondition(output == nil || head != nil, "this plan has no classifier head")
        withoutActuallyEscaping(observe) { observe in
            var index = 0
            run(input: .float(input), batch: batch, output: output.map { .float($0) } ?? .none, workspace: workspace, afterStep: { step, w in
                while index < self.featureEnds.count && self.featureEnds[index].step == step {
                    let end = self.featureEnds[index]
                    if only?.contains(index) ?? true {
                        let count = batch * end.shape.reduce(1, *), q = end.quantization
                        observe(index, end.shape, (0..<count).map { q.dequantize(w.buffers[end.buffer][$0]) })
                    }
                    index += 1
                }
            })
        }
    }
}

/// uint8 activation buffers and scratch for a given number of images, allocated once.
final class QuantizedWorkspace {
    struct Sizes {
        /// Buffer count; bytes per image of the largest activation and of im2col scratch;
        /// length of the per-image vectors (pooled channels, hidden units, gates).
        let buffers: Int, activation: Int, scratch: Int, vector: Int
    }

    let images: Int
    let buffers: [UnsafeMutablePointer<UInt8>]
    let scratch: UnsafeMutablePointer<UInt8>
    let sums: UnsafeMutablePointer<Int32>
    let pooled: UnsafeMutablePointer<Float>
    let hidden: UnsafeMutablePointer<Float>
    let pooledCodes: UnsafeMutablePointer<UInt8>
    let hiddenCodes: UnsafeMutablePointer<UInt8>

    init(_ sizes: Sizes, images: Int) {
        self.images = images
        func allocate<T: Numeric>(_ count: Int, _: T.Type) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            return p
        }
        buffers = (0..<sizes.buffers).map { _ in allocate(sizes.activation * images, UInt8.self) }
        scratch = allocate(max(sizes.scratch, 4) * images, UInt8.self)
        sums = allocate(sizes.vector * images, Int32.self)
        pooled = allocate(sizes.vector * images, Float.self)
        hidden = allocate(sizes.vector * images, Float.self)
        pooledCodes = allocate(sizes.vector * images, UInt8.self)
        hiddenCodes = allocate(sizes.vector * images, UInt8.self)
    }

    deinit {
        for b in buffers { b.deallocate() }
        scratch.deallocate()
        sums.deallocate()
        pooled.deallocate()
        hidden.deallocate()
        pooledCodes.deallocate()
        hiddenCodes.deallocate()
    }
}
