import Architectures
import Foundation
import Inference
import Models
import Quantization
import SafeTensors
import TensorKernels
import Tensors
import Testing

/// Static int8 MobileNetV3 against its float original: calibration, quantise → dequantise
/// bounds, the plan's outputs, the int8-io form, file round trip, and refusals.
@Suite(.serialized) struct QuantizedPlanTests {
    static let configuration = MobileNetV3Configuration(variant: .small, widthMultiplier: 0.5, logits: 3, regressionOutputs: 2)

    /// A small MobileNetV3 with random weights and batch-norm statistics that keep activations
    /// in a realistic range, as named float tensors (OHWI).
    static func floatWeights() -> NamedWeights {
        let model = MobileNetV3(configuration)
        var weights: NamedWeights = [:]
        for entry in model.stateEntries() { weights[entry.name] = entry.get() }
        return weights
    }

    /// Smooth, image-like inputs (low-frequency patterns plus a little noise), normalised.
    static func images(_ n: Int, side: Int, seed: Int) -> Tensor {
        var values = [Float](repeating: 0, count: n * side * side * 3)
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        for i in 0..<n {
            let fx = Float(i % 5 + 1) * 0.07, fy = Float(i % 3 + 1) * 0.05
            for y in 0..<side { for x in 0..<side { for c in 0..<3 {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                let noise = Float(state % 1000) / 1000 - 0.5
                values[((i * side + y) * side + x) * 3 + c] = sin(Float(x) * fx + Float(c)) + cos(Float(y) * fy) + 0.3 * noise
            }}}
        }
        return Tensor(shape: [n, side, side, 3], scalars: values)
    }

    static func quantizedNetwork(_ weights: NamedWeights, method: RangeMethod = .minMax, side: Int = 64) throws -> QuantizedNetwork {
        let calibrator = try Calibrator(configuration: configuration, weights: weights, inputHeight: side, inputWidth: side)
        calibrator.observe(images(16, side: side, seed: 1))
        return try QuantizedNetwork.quantize(configuration: configuration, weights: weights, ranges: try calibrator.ranges(method))
    }

    @Test func weightQuantizationErrorIsAtMostHalfAStep() {
        let w: [Float] = (0..<600).map { Float(sin(Double($0) * 0.37)) * Float($0 % 7 + 1) }
        for limit: Float in [63, 127] {
            let q = QuantizedNetwork.quantizeWeights(w, channels: 6, limit: limit)
            for c in 0..<6 {
                #expect(q.values[(c * 100)..<((c + 1) * 100)].map { abs(Int($0)) }.max() == Int(limit))
                for i in 0..<100 {
                    #expect(abs(w[c * 100 + i] - Float(q.values[c * 100 + i]) * q.scales[c]) <= q.scales[c] / 2 * 1.0001)
                }
            }
        }
    }

    @Test func activationQuantizationErrorIsAtMostHalfAStepInsideTheRange() {
        for range: ClosedRange<Float> in [-0.375...5.2, 0...6, -3.1...2.4, 0.5...9] {
            let q = AffineQuantization(range: range)
            #expect(q.dequantize(UInt8(q.zeroPoint)) == 0, "zero is exact")
            let low = min(range.lowerBound, 0), high = max(range.upperBound, 0)
            for i in 0...1000 {
                let x = low + (high - low) * Float(i) / 1000
                #expect(abs(q.dequantize(q.quantize(x)) - x) <= q.scale / 2 * 1.001)
            }
        }
    }

    @Test func rangeMethodsClipOutliersButNotTheBulk() {
        var observer = ActivationObserver()
        var values: [Float] = (0..<20_000).map { Float($0 % 1000) / 100 }   // 0…9.99 uniformly
        values.append(500)                                                   // one outlier
        observer.observe(values)
        #expect(observer.range(.minMax) == 0...500)
        let percentile = observer.range(.percentile(99.9))
        #expect(percentile.upperBound < 11 && percentile.upperBound > 9.9)
        let mse = observer.range(.meanSquaredError)
        #expect(mse.upperBound < 500)
        let sample = observer.sample
        #expect(ActivationObserverProbe.error(sample, mse) <= ActivationObserverProbe.error(sample, 0...500))
        #expect(RangeMethod(argument: "percentile:99.9") == .percentile(99.9))
        #expect(RangeMethod(argument: "nonsense") == nil)
    }

    @Test func calibrationOnTooFewImagesIsRefused() throws {
        let calibrator = try Calibrator(configuration: Self.configuration, weights: Self.floatWeights(), inputHeight: 64, inputWidth: 64)
        #expect(throws: CalibrationError.tooFewImages(found: 0, needed: Calibrator.minimumImages)) { try calibrator.ranges(.minMax) }
        calibrator.observe(Self.images(3, side: 64, seed: 2))
        #expect(throws: CalibrationError.tooFewImages(found: 3, needed: Calibrator.minimumImages)) { try calibrator.ranges(.minMax) }
    }

    /// The int8 plan follows the float plan: per output, the error is small against the
    /// spread of that output over the batch (what decides a classification).
    @Test(arguments: [RangeMethod.minMax, .percentile(99.99), .meanSquaredError])
    func int8PlanFollowsTheFloatPlan(method: RangeMethod) throws {
        let weights = Self.floatWeights()
        let network = try Self.quantizedNetwork(weights, method: method)
        let int8 = try QuantizedMobileNetV3Plan(network: network, inputHeight: 64, inputWidth: 64, maxBatch: 16)
        let float = try MobileNetV3Plan(configuration: Self.configuration, weights: weights, inputHeight: 64, inputWidth: 64, maxBatch: 16)
        let x = Self.images(16, side: 64, seed: 9)   // not the calibration images
        let a = int8(x), b = float(x)
        let outputs = Self.configuration.outputCount
        for o in 0..<outputs {
            let fl = (0..<16).map { b.scalars[$0 * outputs + o] }, q = (0..<16).map { a.scalars[$0 * outputs + o] }
            let mean = fl.reduce(0, +) / 16
            let spread = (fl.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16).squareRoot()
            let rms = (zip(fl, q).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 16).squareRoot()
            // 8-bit activations through ~50 layers: the error stays well under the signal.
            #expect(rms <= 0.25 * spread, "output \(o) (\(method)): rms error \(rms), spread \(spread)")
        }
    }

    @Test func portableAndAVX2PlansGiveIdenticalOutputs() throws {
        let network = try Self.quantizedNetwork(Self.floatWeights())
        let plan = try QuantizedMobileNetV3Plan(network: network, inputHeight: 64, inputWidth: 64, maxBatch: 4)
        let x = Self.images(4, side: 64, seed: 5)
        let fast = plan(x)
        QuantizedGEMM.forcePortable(true)
        defer { QuantizedGEMM.forcePortable(false) }
        #expect(plan(x).scalars == fast.scalars)
    }

    @Test func batchSplittingAcrossThreadsChangesNothing() throws {
        let network = try Self.quantizedNetwork(Self.floatWeights())
        let plan = try QuantizedMobileNetV3Plan(network: network, inputHeight: 64, inputWidth: 64, maxBatch: 20)
        let x = Self.images(20, side: 64, seed: 6)
        let together = plan(x)
        var alone: [Float] = []
        for i in 0..<20 {
            let one = Tensor(shape: [1, 64, 64, 3], scalars: Array(x.scalars[(i * 64 * 64 * 3)..<((i + 1) * 64 * 64 * 3)]))
            alone += plan(one).scalars
        }
        #expect(together.scalars == alone, "integer results do not depend on how a batch is split")
    }

    @Test func integerIOMatchesTheFloatInterface() throws {
        let network = try Self.quantizedNetwork(Self.floatWeights())
        let plan = try QuantizedMobileNetV3Plan(network: network, inputHeight: 64, inputWidth: 64, maxBatch: 4)
        let x = Self.images(4, side: 64, seed: 7)
        let floatOut = plan(x)
        let codes = x.scalars.map { plan.inputQuantization.quantize($0) }
        var out = [UInt8](repeating: 0, count: 4 * plan.outputCount)
        codes.withUnsafeBufferPointer { c in out.withUnsafeMutableBufferPointer { plan.run(quantizedInput: c.baseAddress!, batch: 4, quantizedOutput: $0.baseAddress!) } }
        let oq = plan.outputQuantization
        for (code, value) in zip(out, floatOut.scalars) {
            let clamped = min(max(value, oq.dequantize(0)), oq.dequantize(255))
            #expect(abs(oq.dequantize(code) - clamped) <= oq.scale * 0.51, "uint8 output \(code) vs float \(value)")
        }
    }

    @Test func fileRoundTripKeepsEveryBit() throws {
        let network = try Self.quantizedNetwork(Self.floatWeights())
        let file = try SafeTensorsFile(entries: try network.entries(), metadata: [QuantizedNetwork.schemeKey: "static-int8"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-int8-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.write(path: path)
        let loaded = try QuantizedNetwork(file: try SafeTensorsFile.read(path: path), configuration: Self.configuration)
        #expect(loaded.layers == network.layers)
        #expect(loaded.ranges == network.ranges)
        let x = Self.images(3, side: 64, seed: 8)
        let a = try QuantizedMobileNetV3Plan(network: network, inputHeight: 64, inputWidth: 64, maxBatch: 3)(x)
        let b = try QuantizedMobileNetV3Plan(network: loaded, inputHeight: 64, inputWidth: 64, maxBatch: 3)(x)
        #expect(a.scalars == b.scalars)
        // The file is about a quarter of fp32: one byte per weight plus per-channel scales.
        let floatBytes = Self.floatWeights().values.reduce(0) { $0 + $1.count * 4 }
        #expect(Double(file.encode().count) < 0.32 * Double(floatBytes))
    }

    @Test func damagedFilesAreRefusedWithTheTensorNamed() throws {
        let network = try Self.quantizedNetwork(Self.floatWeights())
        var entries = try network.entries()
        entries.removeAll { $0.name == "classifier.3.weight_scale" }
        let file = try SafeTensorsFile(entries: entries)
        #expect { _ = try QuantizedNetwork(file: file, configuration: Self.configuration) } throws: {
            "\($0)".contains("classifier.3.weight_scale")
        }
        #expect(throws: PlanError.self) {
            var partial = network
            partial.ranges["pool"] = nil
            _ = try QuantizedMobileNetV3Plan(network: partial, inputHeight: 64, inputWidth: 64, maxBatch: 1)
        }
    }
}

/// Access to the squared error the MSE method minimises (internal to the module).
enum ActivationObserverProbe {
    static func error(_ values: [Float], _ range: ClosedRange<Float>) -> Double {
        let scale = max((range.upperBound - range.lowerBound) / 255, 1e-12)
        let zero = (-range.lowerBound / scale).rounded()
        return values.reduce(0.0) { total, x in
            let q = min(max((x / scale).rounded() + zero, 0), 255)
            let d = Double(x - scale * (q - zero))
            return total + d * d
        }
    }
}

/// A backbone without the classifier (as detectors use it): features come out dequantised and
/// follow the float network's.
@Suite struct QuantizedBackboneTests {
    @Test func featureMapsFollowTheFloatBackbone() throws {
        var weights = QuantizedPlanTests.floatWeights()
        for key in weights.keys where key.hasPrefix("classifier.") { weights[key] = nil }
        let configuration = QuantizedPlanTests.configuration
        let calibrator = try Calibrator(configuration: configuration, weights: weights, inputHeight: 64, inputWidth: 64)
        calibrator.observe(QuantizedPlanTests.images(8, side: 64, seed: 3))
        calibrator.observe(QuantizedPlanTests.images(4, side: 96, seed: 4).reshaped([4, 96, 96, 3]))   // another input size
        let network = try QuantizedNetwork.quantize(configuration: configuration, weights: weights, ranges: try calibrator.ranges(.minMax))
        #expect(!network.hasHead)
        let plan = try QuantizedMobileNetV3Plan(network: network, inputHeight: 96, inputWidth: 96, maxBatch: 2)
        let x = QuantizedPlanTests.images(2, side: 96, seed: 11)
        var reference: [String: [Float]] = [:]
        _ = try ObservedFloatForward(graph: plan.graph, weights: weights).run(input: x.scalars, batch: 2) { reference[$0] = Array($1) }
        var seen: [Int] = []
        x.withUnsafePointer { xp in
            plan.runObservingFeatures(input: xp, batch: 2) { index, shape, values in
                seen.append(index)
                let (name, expectedShape) = plan.graph.featureEnds[index]
                #expect(shape == expectedShape && values.count == 2 * shape.reduce(1, *))
                let want = reference[name]!
                let step = AffineQuantization(range: network.ranges[name]!).scale
                let rms = (zip(values, want).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(values.count)).squareRoot()
                #expect(rms <= 4 * step, "\(name): rms \(rms / step) steps")
            }
        }
        #expect(seen == Array(0..<plan.graph.featureEnds.count), "every features[i] observed once, in order")
    }
}

/// The fp16 scheme's quantise → dequantise bound: round to nearest half precision, so every
/// weight in the normal half range comes back within half a unit in the last place, 2⁻¹¹ of
/// its magnitude.
@Suite struct Float16StorageTests {
    @Test func halfPrecisionStorageIsWithinHalfAnULP() throws {
        let values: [Float] = (0..<5000).map { i in Float(sin(Double(i) * 0.731)) * powf(10, Float(i % 9) - 5) }
        let entry = try SafeTensorsEntry(name: "w", shape: [values.count], float16s: values)
        #expect(entry.data.count == 2 * values.count, "two bytes per weight: half the fp32 file")
        let back = try entry.floats()
        for (x, y) in zip(values, back) where abs(x) >= 6.2e-5 && abs(x) <= 65504 {
            #expect(abs(x - y) <= abs(x) * 0x1p-11, "\(x) → \(y)")
        }
    }
}
