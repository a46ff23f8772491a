import Foundation
import TensorKernels

/// The table that applies hardswish between two uint8 domains: entry q is the output-domain
/// code of hardswish(s_pre·(q − z_pre)).
func hardswishTable(from pre: AffineQuantization, to post: AffineQuantization) -> [UInt8] {
    (0..<256).map { q in post.quantize(Elementwise.Activation.hardswish.apply(pre.dequantize(UInt8(q)))) }
}

/// Requantisation of a layer's accumulators into `output` (through the pre-activation domain
/// and a hardswish table where the layer has one).
func requantization(bias: [Float], weightScales: [Float], rowSums: [Int32], input: AffineQuantization,
                    output: AffineQuantization, preActivation: AffineQuantization?,
                    activation: Elementwise.Activation, layer: String) throws(PlanError) -> Requantization {
    let target = activation == .hardswish ? preActivation! : output
    var reals: [Double] = []
    var biases: [Int32] = []
    for c in 0..<bias.count {
        let accumulatorScale = Double(input.scale) * Double(weightScales[c])
        let real = accumulatorScale / Double(target.scale)
        guard real < 256 else {
            throw .invalidInput("\(layer): output range is too narrow for its inputs (multiplier \(real)); recalibrate")
        }
        reals.append(real)
        let b = (Double(bias[c]) / accumulatorScale).rounded()
        let corrected = b - Double(input.zeroPoint) * Double(rowSums[c])
        biases.append(Int32(clamping: Int64(max(min(corrected, 2e9), -2e9))))
    }
    switch activation {
    case .identity: return Requantization(bias: biases, realMultipliers: reals, zeroPoint: output.zeroPoint, max: output.levels)
    case .relu:
        return Requantization(bias: biases, realMultipliers: reals, zeroPoint: output.zeroPoint, min: output.zeroPoint, max: output.levels)
    case .hardswish:
        return Requantization(bias: biases, realMultipliers: reals, zeroPoint: target.zeroPoint, max: target.levels,
                              table: hardswishTable(from: target, to: output))
    default: throw .invalidInput("\(layer): activation \(activation) has no int8 form")
    }
}

/// A dense convolution (1×1, or k×k through uint8 im2col) or linear layer on the u8×s8 GEMM.
struct QuantizedDenseConvolution {
    let geometry: ConvGeometry
    let packed: [Int8]
    let requant: Requantization
    let input: AffineQuantization
    /// Bytes per im2col row (the patch rounded up to 4); 0 for 1×1 convolutions.
    let columnStride: Int
    /// Largest input code (the im2col padding is the zero point, no larger) and |weight|: with
    /// 7-bit activations or 6-bit weights the kernel sums more k-steps per widening.
    let bounds: QuantizedGEMM.OperandBounds

    init(layer: QuantizedNetwork.Layer, geometry g: ConvGeometry, activation: Elementwise.Activation, input: AffineQuantization,
         output: AffineQuantization, preActivation: AffineQuantization?, name: String) throws(PlanError) {
        guard g.groups == 1 else { throw .invalidInput("\(name): grouped convolutions have no int8 kernel") }
        let k = g.patchSize, n = g.outChannels
        geometry = g
        packed = QuantizedGEMM.pack(layer.weight, n: n, k: k)
        self.input = input
        requant = try requantization(bias: layer.bias, weightScales: layer.scale, rowSums: QuantizedGEMM.rowSums(layer.weight, n: n, k: k),
                                     input: input, output: output, preActivation: preActivation, activation: activation, layer: name)
        columnStride = g.isPointwise && k % 4 == 0 ? 0 : QuantizedGEMM.paddedK(k)
        bounds = QuantizedGEMM.OperandBounds(activations: Int(input.levels), weights: layer.weight.lazy.map { abs(Int($0)) }.max() ?? 0)
    }

    /// Bytes of im2col scratch per image.
    var scratchPerImage: Int { columnStride * geometry.outHeight * geometry.outWidth }

    func run(batch: Int, input x: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>) {
        var g = geometry
        g.batch = batch
        var a = x, lda = g.patchSize
        if columnStride > 0 {
            QuantizedElementwise.im2col(g, input: x, zeroPoint: UInt8(input.zeroPoint), columns: scratch, ldc: columnStride)
            a = UnsafePointer(scratch)
            lda = columnStride
        }
        let n = g.outChannels, k = g.patchSize
        let aP = SendablePointer(a), oP = SendablePointer(output)
        let bounds = bounds
        packed.withUnsafeBufferPointer { w in
            let wP = SendablePointer(w.baseAddress!)
            requant.withUnsafeParameters { parameters in
                let rP = SendablePointer(parameters)
                parallelChunks(g.outputPixels, minimumPerThread: max(4, 65536 / max(1, n * k))) { rows in
                    QuantizedGEMM.multiply(rows: rows, n: n, k: k, a: aP.base, lda: lda, packedB: wP.base,
                                           requantization: rP.base, c: oP.base, ldc: n, bounds: bounds)
                }
            }
        }
    }
}

/// A depthwise convolution on the u8 depthwise kernel.
struct QuantizedDepthwiseConvolution {
    let geometry: ConvGeometry
    let packed: [Int16]
    let requant: Requantization
    let zeroRow: [UInt8]

    init(layer: QuantizedNetwork.Layer, geometry g: ConvGeometry, activation: Elementwise.Activation, input: AffineQuantization,
         output: AffineQuantization, preActivation: AffineQuantization?, name: String) throws(PlanError) {
        let taps = g.kernelH * g.kernelW
        guard taps <= QuantizedDepthwise.maximumTaps else { throw .invalidInput("\(name): kernel too large for the int8 depthwise kernel") }
        geometry = g
        packed = QuantizedDepthwise.pack(layer.weight, geometry: g)
        let sums = (0..<g.inChannels).map { c in (0..<taps).reduce(Int32(0)) { $0 + Int32(layer.weight[c * taps + $1]) } }
        requant = try requantization(bias: layer.bias, weightScales: layer.scale, rowSums: sums, input: input, output: output,
                                     preActivation: preActivation, activation: activation, layer: name)
        zeroRow = [UInt8](repeating: UInt8(input.zeroPoint), count: g.inChannels)
    }

    func run(batch: Int, input: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>) {
        var g = geometry
        g.batch = batch
        let iP = SendablePointer(input), oP = SendablePointer(output)
        packed.withUnsafeBufferPointer { w in zeroRow.withUnsafeBufferPointer { z in
            let wP = SendablePointer(w.baseAddress!), zP = SendablePointer(z.baseAddress!)
            requant.withUnsafeParameters { parameters in
                let rP = SendablePointer(parameters)
                parallelChunks(batch * g.outHeight, minimumPerThread: 2) { rows in
                    QuantizedDepthwise.forward(g, rows: rows, input: iP.base, packedWeight: wP.base, zeroRow: zP.base,
                                               requantization: rP.base, output: oP.base)
                }
            }
        }}
    }
}

/// Squeeze-excite on a uint8 tensor. The gates come from a float island (the pooled means
/// dequantised, two tiny linear layers, hardsigmoid: about 2·C·C/4 multiply-adds per image,
/// < 1 % of the block); the gating itself is integer (Q15 gates).
struct QuantizedSqueezeExcite {
    let float: SqueezeExciteStep
    let quantization: AffineQuantization

    func run(batch: Int, data: UnsafeMutablePointer<UInt8>, sums: UnsafeMutablePointer<Int32>, pooled: UnsafeMutablePointer<Float>,
             hidden: UnsafeMutablePointer<Float>) {
        let c = float.channels, pixels = float.pixels
        QuantizedElementwise.channelSums(data, batch: batch, pixels: pixels, channels: c, output: sums)
        let scale = quantization.scale / Float(pixels), offset = quantization.scale * Float(quantization.zeroPoint)
        for i in 0..<batch * c { pooled[i] = Float(sums[i]) * scale - offset }
        dense(batch: batch, input: pooled, weight: float.fc1Weight, bias: float.fc1Bias, inFeatures: c,
              outFeatures: float.squeezeChannels, activation: .relu, output: hidden)
        dense(batch: batch, input: hidden, weight: float.fc2Weight, bias: float.fc2Bias, inFeatures: float.squeezeChannels,
              outFeatures: c, activation: .hardsigmoid, output: pooled)
        for i in 0..<batch * c { sums[i] = Int32((pooled[i] * 32768).rounded()) }
        QuantizedElementwise.gateChannels(data, batch: batch, pixels: pixels, channels: c, zeroPoint: quantization.zeroPoint, gates: sums)
    }
}

/// A residual sum requantised into its first operand's buffer.
struct QuantizedAdd {
    let a: AffineQuantization, b: AffineQuantization, output: AffineQuantization
    let multiplierA: Int32, multiplierB: Int32, shift: Int32

    init(a: AffineQuantization, b: AffineQuantization, output: AffineQuantization, name: String) throws(PlanError) {
        self.a = a
        self.b = b
        self.output = output
        let ratios = [Double(a.scale / output.scale), Double(b.scale / output.scale)]
        // |q − z| ≤ 255, so m < 2^(31 − 8 − 1) keeps the sum of two products inside int32.
        precondition(a.levels == output.levels && b.levels == output.levels, "\(name): one code width per network")
        guard let largest = ratios.max(), largest < 4096 else { throw .invalidInput("\(name): output range too narrow; recalibrate") }
        var shift: Int32 = 22
        while shift > 1 && largest * Double(1 << shift) >= Double(1 << 22) { shift -= 1 }
        self.shift = shift
        multiplierA = Int32((ratios[0] * Double(1 << shift)).rounded())
        multiplierB = Int32((ratios[1] * Double(1 << shift)).rounded())
    }

    func run(into x: UnsafeMutablePointer<UInt8>, from y: UnsafePointer<UInt8>, count: Int) {
        QuantizedElementwise.addInPlace(x, y, count: count, zeroPoints: (a.zeroPoint, b.zeroPoint, output.zeroPoint),
                                        multipliers: (multiplierA, multiplierB), shift: shift, levels: output.levels)
    }
}
