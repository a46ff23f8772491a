import Architectures
import TensorKernels
import Tensors

/// MobileNetV3 with dynamic-range int8 (as TFLite's and ONNX Runtime's "dynamic" schemes):
/// int8 weights per output channel; before every dense convolution and linear layer the float
/// input is quantised to uint8 with the min–max range of *this batch*, multiplied on the
/// integer GEMM, and rescaled to float with the bias and activation. Depthwise convolutions,
/// squeeze-excite and residual sums run in float on the dequantised weights (they are not
/// GEMMs; the scheme's gain is in its matrix products). No calibration needed.
///
/// Allocates per call; not thread-safe.
public final class DynamicInt8Plan {
    public let network: QuantizedNetwork
    public let graph: MobileNetV3Graph
    private struct Dense {
        let geometry: ConvGeometry
        let packed: [Int8]
        let rowSums: [Int32]
        let scales: [Float]
        let bias: [Float]
    }
    private var dense: [String: Dense] = [:]
    private var depthwise: [String: (weight: [Float], bias: [Float])] = [:]
    private var squeezeExcite: [String: SqueezeExciteStep] = [:]

    public init(network: QuantizedNetwork, inputHeight: Int, inputWidth: Int) throws(PlanError) {
        self.network = network
        graph = MobileNetV3Graph(configuration: network.configuration, inputHeight: inputHeight, inputWidth: inputWidth)
        func layer(_ name: String) throws(PlanError) -> QuantizedNetwork.Layer {
            guard let l = network.layers[name] else { throw .missingTensor(name + ".weight") }
            return l
        }
        func prepare(_ name: String, _ g: ConvGeometry) throws(PlanError) {
            let l = try layer(name)
            dense[name] = Dense(geometry: g, packed: QuantizedGEMM.pack(l.weight, n: g.outChannels, k: g.patchSize),
                                rowSums: QuantizedGEMM.rowSums(l.weight, n: g.outChannels, k: g.patchSize), scales: l.scale, bias: l.bias)
        }
        for step in graph.steps {
            switch step {
            case .conv(let c) where c.geometry.isDepthwise:
                let l = try layer(c.name)
                let taps = c.geometry.kernelH * c.geometry.kernelW
                let w = (0..<l.weight.count).map { Float(l.weight[$0]) * l.scale[$0 / taps] }
                depthwise[c.name] = (w.withUnsafeBufferPointer { Depthwise.tapMajor(c.geometry, $0.baseAddress!) }, l.bias)
            case .conv(let c): try prepare(c.name, c.geometry)
            case .squeezeExcite(let s):
                squeezeExcite[s.prefix] = try SqueezeExciteStep(weights: network.squeezeExcite, prefix: s.prefix, channels: s.channels,
                                                                squeezeChannels: s.squeezeChannels, pixels: s.pixels)
            case .add: break
            }
        }
        let hidden = network.configuration.lastChannels
        try prepare("classifier.0", ConvGeometry(batch: 1, inHeight: 1, inWidth: 1, inChannels: graph.finalChannels, outChannels: hidden, kernel: (1, 1)))
        try prepare("classifier.3", ConvGeometry(batch: 1, inHeight: 1, inWidth: 1, inChannels: hidden,
                                                 outChannels: network.configuration.outputCount, kernel: (1, 1)))
    }

    public var outputCount: Int { network.configuration.outputCount }

    /// Quantise `x` with its own range, multiply on the integer GEMM, rescale, add bias, activate.
    private func runDense(_ d: Dense, batch: Int, input x: [Float], activation: Elementwise.Activation) -> [Float] {
        var g = d.geometry
        g.batch = batch
        var low: Float = 0, high: Float = 0
        for v in x { low = min(low, v); high = max(high, v) }
        let q = AffineQuantization(range: low...high)
        var codes = [UInt8](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in codes.withUnsafeMutableBufferPointer {
            QuantizedElementwise.quantize(xp.baseAddress!, count: x.count, scale: q.scale, zeroPoint: q.zeroPoint, output: $0.baseAddress!)
        }}
        let k = g.patchSize, n = g.outChannels, m = g.outputPixels
        var a = codes, lda = k
        if !(g.isPointwise && k % 4 == 0) {
            lda = QuantizedGEMM.paddedK(k)
            a = [UInt8](repeating: 0, count: m * lda)
            codes.withUnsafeBufferPointer { c in a.withUnsafeMutableBufferPointer {
                QuantizedElementwise.im2col(g, input: c.baseAddress!, zeroPoint: UInt8(q.zeroPoint), columns: $0.baseAddress!, ldc: lda)
            }}
        }
        var sums = [Int32](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in d.packed.withUnsafeBufferPointer { bp in sums.withUnsafeMutableBufferPointer { cp in
            let aP = SendablePointer(ap.baseAddress!), bP = SendablePointer(bp.baseAddress!), cP = SendablePointer(cp.baseAddress!)
            parallelChunks(m, minimumPerThread: max(4, 65536 / max(1, n * k))) { rows in
                QuantizedGEMM.multiply(rows: rows, n: n, k: k, a: aP.base, lda: lda, packedB: bP.base, c: cP.base, ldc: n)
            }
        }}}
        var out = [Float](repeating: 0, count: m * n)
        for r in 0..<m {
            for c in 0..<n {
                let acc = sums[r * n + c] - q.zeroPoint * d.rowSums[c]
                out[r * n + c] = activation.apply(Float(acc) * q.scale * d.scales[c] + d.bias[c])
            }
        }
        return out
    }

    /// [batch, H, W, 3] normalised → [batch, outputCount].
    public func run(input: [Float], batch: Int) -> [Float] {
        precondition(input.count == batch * graph.inputHeight * graph.inputWidth * 3, "input size does not match the plan")
        var tensors: [String: [Float]] = ["input": input]
        for step in graph.steps {
            switch step {
            case .conv(let c):
                if let d = dense[c.name] {
                    tensors[c.output] = runDense(d, batch: batch, input: tensors[c.input]!, activation: c.activation)
                } else {
                    var g = c.geometry
                    g.batch = batch
                    let (w, b) = depthwise[c.name]!
                    var out = [Float](repeating: 0, count: batch * g.outHeight * g.outWidth * g.outChannels)
                    tensors[c.input]!.withUnsafeBufferPointer { x in w.withUnsafeBufferPointer { wp in b.withUnsafeBufferPointer { bp in
                        out.withUnsafeMutableBufferPointer {
                            FusedConvolution.depthwise(g, input: x.baseAddress!, tapMajorWeight: wp.baseAddress!, bias: bp.baseAddress!,
                                                       activation: c.activation, output: $0.baseAddress!)
                        }
                    }}}
                    tensors[c.output] = out
                }
            case .squeezeExcite(let s):
                squeezeExcite[s.prefix]!.apply(batch: batch, to: &tensors[s.tensor]!)
            case .add(let a):
                tensors[a.output] = sum(tensors[a.a]!, tensors[a.b]!)
            }
        }
        var pooled = [Float](repeating: 0, count: batch * graph.finalChannels)
        tensors[graph.final]!.withUnsafeBufferPointer { f in pooled.withUnsafeMutableBufferPointer { p in
            Pooling.globalAveragePool(f.baseAddress!, batch: batch, pixels: graph.finalPixels, channels: graph.finalChannels, output: p.baseAddress!)
        }}
        let hidden = runDense(dense["classifier.0"]!, batch: batch, input: pooled, activation: .hardswish)
        return runDense(dense["classifier.3"]!, batch: batch, input: hidden, activation: .identity)
    }
}
