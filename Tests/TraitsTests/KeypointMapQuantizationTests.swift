import Autograd
import Foundation
import ImageIO
import Inference
import Quantization
import SafeTensors
import Tensors
import Testing
@testable import Traits

/// Static-int8 files of keypoint-map models: the backbone runs on the integer plan and the map
/// head (stored in fp16) in float on the backbone's dequantised stride-16 features.
@Suite struct KeypointMapQuantizationTests {
    static let side = 64

    /// A map model whose batch-norm statistics have moved (so folding is really exercised), and
    /// calibration crops.
    static func modelAndCrops(_ head: TraitClassifierConfiguration.KeypointHead) -> (TraitClassifier, [RGBImage]) {
        let model = TraitClassifier(KeypointMapTests.configuration(head), seed: 5)
        var rng = RandomSource(seed: 8)
        let crops = (0..<12).map { i in TraitTrainingTests.crop(white: i % 2 == 0, male: i % 3 == 0, rng: &rng).image }
        model.train()
        for _ in 0..<3 {
            _ = GradientRecording.withoutGradients { model(Variable(TraitPredictor.inputTensor(Array(crops.prefix(6)), side: side))) }
        }
        model.eval()
        return (model, crops)
    }

    @Test(arguments: KeypointMapTests.mapHeads)
    func staticInt8FileRunsTheMapHeadOnTheIntegerBackbone(head: TraitClassifierConfiguration.KeypointHead) throws {
        let (model, crops) = Self.modelAndCrops(head)
        let quantized = try model.quantized(.staticInt8, calibration: crops)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpmap-int8-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TraitModelFile.save(model, quantized: quantized, to: path)
        let loaded = try TraitModelFile.load(path)
        #expect(loaded.quantization?.scheme == .staticInt8 && loaded.configuration == model.configuration)

        // The map head comes back as the fp16 rounding of the float model's.
        for (original, back) in zip(model.keypointMaps!.stateEntries(), loaded.keypointMaps!.stateEntries()) {
            let t = original.get()
            let rounded = try SafeTensorsEntry(name: original.name, shape: t.shape, float16s: t.scalars).floats()
            #expect(back.get().scalars == rounded, "\(original.name)")
        }

        let x = TraitPredictor.inputTensor(Array(crops.prefix(2)), side: Self.side)
        let predictor = TraitPredictor(loaded)
        #expect(predictor.precision == "static-int8")
        let got = predictor.outputs(x)

        // The reference, assembled by hand: the integer plan's own outputs (trait logits and
        // regressed values), its stride-16 features looked up by tensor name, and the autograd
        // map head and code reader on those.
        let plan = try QuantizedMobileNetV3Plan(network: quantized.network, inputHeight: Self.side, inputWidth: Self.side, maxBatch: 2)
        var named: [String: [Float]] = [:]
        var pooled = [Float](repeating: 0, count: 2 * plan.outputCount)
        x.withUnsafePointer { p in
            pooled.withUnsafeMutableBufferPointer { out in
                plan.runObserving(input: p, batch: 2, output: out.baseAddress!) { named[$0] = $1 }
            }
        }
        let (name, shape) = plan.graph.featureEnds[loaded.stride16Layer]
        let features = Tensor(shape: [2] + shape, scalars: named[name]!)
        let regressedCount = plan.outputCount - 3
        #expect(regressedCount == model.configuration.regressedKeypointCount)
        let regressed = (0..<2).flatMap { pooled[($0 * plan.outputCount + 3)..<(($0 + 1) * plan.outputCount)] }
        let code = GradientRecording.withoutGradients {
            concatChannels(TraitClassifier.keypointCode(
                maps: loaded.keypointMaps!(Variable(features)),
                regressed: regressedCount > 0 ? Variable(Tensor(shape: [2, regressedCount], scalars: regressed)) : nil,
                inputHeight: Self.side, inputWidth: Self.side)).value.scalars
        }
        var expected: [Float] = []
        for i in 0..<2 {
            let row = i * plan.outputCount
            expected += pooled[row..<(row + 3)]
            expected += code[(i * 9)..<((i + 1) * 9)]
        }
        let scale = max(1, expected.map(abs).max()!)
        let worst = zip(got, expected).map { abs($0 - $1) }.max()!
        #expect(got.count == 24 && worst <= 1e-4 * scale, "int8 map plan vs hand-assembled reference: \(worst)")

        // And those features are the stride-16 layer's: they follow the (dequantised) float
        // model's own features at that layer within a few quantisation steps.
        var f = Variable(x)
        GradientRecording.withoutGradients { for layer in loaded.features.layers.prefix(loaded.stride16Layer + 1) { f = layer(f) } }
        #expect(f.value.shape == features.shape)
        let step = AffineQuantization(range: quantized.network.ranges[name]!).scale
        let rms = (zip(features.scalars, f.value.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(features.count)).squareRoot()
        #expect(rms <= 4 * step, "stride-16 features: rms \(rms / step) quantisation steps from the float layer")
    }

    /// A damaged or doctored int8 map file is refused at load with the file named, never
    /// crashing later: the map head's tensors missing, or a scheme whose plan cannot feed it.
    @Test func damagedInt8MapFilesAreRefusedNamingTheFile() throws {
        let (model, crops) = Self.modelAndCrops(.heatmap)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpmap-bad-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TraitModelFile.save(model, quantized: try model.quantized(.staticInt8, calibration: crops), to: path)
        let good = try SafeTensorsFile.read(path: path)
        let withoutMaps = try SafeTensorsFile(entries: good.entries.filter { !$0.name.hasPrefix("keypoint_maps.") }, metadata: good.metadata)
        var dynamic = good
        dynamic.metadata[QuantizedNetwork.schemeKey] = QuantizationScheme.dynamicInt8.rawValue
        for (file, problem) in [(withoutMaps, "keypoint_maps."), (dynamic, "not dynamic-int8")] {
            try file.write(path: path)
            #expect {
                _ = try TraitModelFile.load(path)
            } throws: { error in
                "\(error)".contains(path) && "\(error)".contains(problem)
            }
        }
    }

    @Test func theOtherIntegerSchemesAreRefusedNamingTheScheme() throws {
        let (model, crops) = Self.modelAndCrops(.heatmap)
        for scheme in [QuantizationScheme.dynamicInt8, .int8IO] {
            #expect {
                _ = try model.quantized(scheme, calibration: crops)
            } throws: { error in
                "\(error)".contains(scheme.rawValue) && "\(error)".contains("static-int8")
            }
        }
    }
}
