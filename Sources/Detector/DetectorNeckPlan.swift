import Inference
import TensorKernels
import Tensors

/// The detector's neck and heads compiled for inference, like its backbone: batch norm folded
/// into the convolutions, activations fused, the upsample-and-add done in one pass, no graph or
/// per-op tensors; then the head blocks, if any. Built for one input size (the feature-map sizes
/// follow from it).
///
/// Its maps live in buffers kept from call to call: at stride 4 they are 4 MB each, and
/// allocating them afresh cost more in page faults than the convolutions that fill them
/// (docs/PERFORMANCE.md, "Detector latency"). So, like `DetectorPlan`, one caller at a time.
final class DetectorNeckPlan {
    /// One top-down step: lateral 1×1 of the backbone's map, plus the coarser level upsampled,
    /// then the depthwise smoothing.
    struct Step {
        let lateral: FoldedConvolution
        let smooth: FoldedConvolution
    }

    /// One head block (`DetectorHeadBlock`): its output is added to its input.
    struct Block {
        let spatial: FoldedConvolution
        let pointwise: FoldedConvolution
    }

    let top: FoldedConvolution          // lateral32
    let steps: [Step]                   // stride 16, 8 (and 4)
    let blocks: [Block]
    /// Whether the coarser levels are enlarged bilinearly (else nearest, fused with the add).
    let bilinear: Bool
    let heatHidden: FoldedConvolution, heatOut: FoldedConvolution
    let boxHidden: FoldedConvolution, boxOut: FoldedConvolution
    let outputHeight: Int, outputWidth: Int

    /// Two maps of the finest level (each step reads one and writes the other; a third when
    /// there are head blocks, for a block's branch while its input is kept, or bilinear
    /// upsampling, for the enlarged coarser level), and the heads' outputs, for up to `batch`
    /// images.
    private final class Buffers {
        let batch: Int
        let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>?
        let heat: UnsafeMutablePointer<Float>, box: UnsafeMutablePointer<Float>
        init(batch: Int, cells: Int, channels: Int, branch: Bool) {
            self.batch = batch
            a = .allocate(capacity: batch * cells * channels)
            b = .allocate(capacity: batch * cells * channels)
            c = branch ? .allocate(capacity: batch * cells * channels) : nil
            heat = .allocate(capacity: batch * cells)
            box = .allocate(capacity: batch * cells * 4)
        }
        deinit { for p in [a, b, heat, box] + (c.map { [$0] } ?? []) { p.deallocate() } }
    }
    private var buffers: Buffers?

    init(_ detector: FlyDetector, inputHeight: Int, inputWidth: Int) throws(PlanError) {
        var weights: NamedWeights = [:]
        for entry in detector.stateEntries() where !entry.name.hasPrefix("features.") { weights[entry.name] = entry.get() }
        let backbone = detector.configuration.backbone
        let n = detector.configuration.neckChannels, epsilon: Float = 0.001
        func channels(_ stride: Int) -> Int {
            stride == 32 ? backbone.finalFeatureChannels : backbone.lastFeatureLayer(atStride: stride)!.channels
        }
        func conv(_ name: String, bn: Bool, inChannels: Int, outChannels: Int, kernel: Int, depthwise: Bool, stride: Int,
                  activation: Elementwise.Activation) throws(PlanError) -> FoldedConvolution {
            try FoldedConvolution(weights: weights, conv: bn ? name + ".0" : name, bn: bn ? name + ".1" : nil, epsilon: epsilon,
                                  inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: 1,
                                  groups: depthwise ? inChannels : 1, inputHeight: inputHeight / stride,
                                  inputWidth: inputWidth / stride, activation: activation, hasBias: !bn)
        }
        top = try conv("lateral32", bn: true, inChannels: channels(32), outChannels: n, kernel: 1, depthwise: false, stride: 32,
                       activation: .identity)
        var steps: [Step] = []
        for stride in [16, 8, 4] where stride >= detector.configuration.outputStride {
            steps.append(Step(lateral: try conv("lateral\(stride)", bn: true, inChannels: channels(stride), outChannels: n, kernel: 1,
                                                depthwise: false, stride: stride, activation: .identity),
                              smooth: try conv("smooth\(stride)", bn: true, inChannels: n, outChannels: n, kernel: 3,
                                               depthwise: true, stride: stride, activation: .hardswish)))
        }
        self.steps = steps
        bilinear = detector.configuration.upsampling == .bilinear
        let s = detector.configuration.outputStride
        blocks = try (0..<detector.configuration.headBlocks).map { (i: Int) throws(PlanError) -> Block in
            Block(spatial: try conv("blocks.\(i).spatial", bn: true, inChannels: n, outChannels: n, kernel: 3, depthwise: true,
                                    stride: s, activation: .hardswish),
                  pointwise: try conv("blocks.\(i).pointwise", bn: true, inChannels: n, outChannels: n, kernel: 1, depthwise: false,
                                      stride: s, activation: .identity))
        }
        heatHidden = try conv("heat.0", bn: false, inChannels: n, outChannels: n, kernel: 3, depthwise: true, stride: s, activation: .relu)
        heatOut = try conv("heat.2", bn: false, inChannels: n, outChannels: 1, kernel: 1, depthwise: false, stride: s, activation: .identity)
        boxHidden = try conv("box.0", bn: false, inChannels: n, outChannels: n, kernel: 3, depthwise: true, stride: s, activation: .relu)
        boxOut = try conv("box.2", bn: false, inChannels: n, outChannels: 4, kernel: 1, depthwise: false, stride: s, activation: .identity)
        outputHeight = inputHeight / s
        outputWidth = inputWidth / s
        // Only 1×1 and depthwise convolutions: none needs im2col scratch (`apply` passes none).
        for c in [top, heatHidden, heatOut, boxHidden, boxOut] + steps.flatMap({ [$0.lateral, $0.smooth] })
            + blocks.flatMap({ [$0.spatial, $0.pointwise] }) {
            precondition(FusedConvolution.scratchCount(c.geometry) == 0, "the neck has only 1×1 and depthwise convolutions")
        }
    }

    private func apply(_ conv: FoldedConvolution, batch: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        var unused: Float = 0
        conv.run(batch: batch, input: input, output: output, scratch: &unused)
    }

    /// Backbone maps (NHWC, batch `batch`) at strides 4 (only for a stride-4 detector), 8, 16
    /// and 32 → [batch, H/s, W/s, 5] = (heat logit, w, h, dx, dy).
    func run(batch: Int, c4: UnsafePointer<Float>?, c8: UnsafePointer<Float>, c16: UnsafePointer<Float>,
             c32: UnsafePointer<Float>) -> Tensor {
        let inputs = [c16, c8] + (c4.map { [$0] } ?? [])
        precondition(inputs.count == steps.count, "a stride-4 detector needs its stride-4 map")
        let n = heatHidden.geometry.inChannels
        if buffers == nil || buffers!.batch < batch {
            buffers = Buffers(batch: batch, cells: outputHeight * outputWidth, channels: n, branch: !blocks.isEmpty || bilinear)
        }
        let buffers = buffers!
        // `coarse` holds the level built so far; `sum` takes the next finer one. Every
        // convolution overwrites its whole output, so nothing needs clearing.
        let coarse = buffers.a, sum = buffers.b
        apply(top, batch: batch, c32, coarse)
        var coarseHeight = top.geometry.outHeight, coarseWidth = top.geometry.outWidth
        for (step, input) in zip(steps, inputs) {
            apply(step.lateral, batch: batch, input, sum)
            if bilinear {
                let enlarged = buffers.c!
                Pooling.upsampleBilinear2x(coarse, batch: batch, height: coarseHeight, width: coarseWidth, channels: n, output: enlarged)
                for i in 0..<(batch * 4 * coarseHeight * coarseWidth * n) { sum[i] += enlarged[i] }
            } else {
                Self.addUpsampled(coarse, batch: batch, height: coarseHeight, width: coarseWidth, channels: n, into: sum)
            }
            apply(step.smooth, batch: batch, sum, coarse)
            coarseHeight = step.lateral.geometry.outHeight
            coarseWidth = step.lateral.geometry.outWidth
        }
        // Head blocks: `sum` takes the depthwise step, `branch` the 1×1, added into `coarse`.
        for block in blocks {
            let branch = buffers.c!
            apply(block.spatial, batch: batch, coarse, sum)
            apply(block.pointwise, batch: batch, sum, branch)
            for i in 0..<(batch * outputHeight * outputWidth * n) { coarse[i] += branch[i] }
        }
        let hidden = sum, heat = buffers.heat, box = buffers.box
        apply(heatHidden, batch: batch, coarse, hidden)
        apply(heatOut, batch: batch, hidden, heat)
        apply(boxHidden, batch: batch, coarse, hidden)
        apply(boxOut, batch: batch, hidden, box)
        let cells = batch * outputHeight * outputWidth
        var output = Tensor.uninitialized([batch, outputHeight, outputWidth, 5])
        output.scalars.withUnsafeMutableBufferPointer { o in
            for i in 0..<cells {
                o[i * 5] = heat[i]
                for k in 0..<4 { o[i * 5 + 1 + k] = box[i * 4 + k] }
            }
        }
        return output
    }

    /// fine[n, y, x, c] += coarse[n, y/2, x/2, c] (nearest 2× upsampling fused with the add).
    static func addUpsampled(_ coarse: UnsafePointer<Float>, batch: Int, height h: Int, width w: Int, channels c: Int,
                             into fine: UnsafeMutablePointer<Float>) {
        for b in 0..<batch {
            for y in 0..<(2 * h) {
                for x in 0..<(2 * w) {
                    let source = coarse + ((b * h + y / 2) * w + x / 2) * c, target = fine + ((b * 2 * h + y) * 2 * w + x) * c
                    for k in 0..<c { target[k] += source[k] }
                }
            }
        }
    }
}
