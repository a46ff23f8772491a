import ConsoleOutput
import Dispatch
import Foundation
import Quantization
import TensorKernels
import Tensors
import Traits

/// `flytally quantize MODEL --compare`: the float model and every scheme, each written to a
/// file and read back, evaluated on the test and train data, timed, and scored with
///   L(φ) = (Size_φ − Size₀)/Size₀ + (Time_φ − Time₀)/Time₀ + (Acc₀ − Acc_φ)/Acc₀
/// (0 for the float model itself; lower is better; Acc = mean per-trait test accuracy, so a
/// drop in accuracy adds to L). The scheme with the smallest L is named.
struct QuantizeComparison {
    let command: Quantize

    struct Row: Encodable {
        var scheme: String
        var testAccuracy: [Double]       // per trait
        var trainAccuracy: [Double]
        var msPerImage: Double
        var imagesPerSecond: Double
        var fileKB: Double
        var score = 0.0
        var meanTest: Double { testAccuracy.filter(\.isFinite).reduce(0, +) / Double(max(1, testAccuracy.filter(\.isFinite).count)) }
        var meanTrain: Double { trainAccuracy.filter(\.isFinite).reduce(0, +) / Double(max(1, trainAccuracy.filter(\.isFinite).count)) }
    }

    func run() throws {
        let original = try command.loadFloatClassifier(command.model)
        let (test, testProblems) = loadAll(command.data) { TraitSampleLoader.load($0) }
        for problem in testProblems { StandardError.line("skipped: \(problem)") }
        guard !test.isEmpty else { throw InputFailure("no usable labelled samples in \(command.data.joined(separator: ", "))") }
        let train = try command.calibrationCrops()
        let directory = command.outDir ?? NSTemporaryDirectory() + "flytally-quantize-\(getpid())"
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw InputFailure("\(directory): cannot create (\(error.localizedDescription))")
        }
        let stem = ((command.model as NSString).lastPathComponent as NSString).deletingPathExtension
        var rows: [Row] = []
        for name in ["fp32"] + QuantizationScheme.allCases.map(\.rawValue) {
            let path = (directory as NSString).appendingPathComponent("\(stem)-\(name).safetensors")
            do {
                switch QuantizationScheme(rawValue: name) {
                case nil: try TraitModelFile.save(original, to: path)
                case .fp16?: try TraitModelFile.save(original, to: path, float16: true)
                case let scheme?: try TraitModelFile.save(original, quantized: try command.quantize(original, scheme: scheme, crops: train), to: path)
                }
            } catch let failure as InputFailure { throw failure } catch { throw InputFailure("\(path): \(error)") }
            let loaded: TraitClassifier
            do { loaded = try TraitModelFile.load(path) } catch { throw InputFailure("\(error)") }
            StandardError.line("measuring \(name)…")
            rows.append(measure(loaded, scheme: name, file: path, test: test, train: train))
        }
        let base = rows[0]
        for i in rows.indices {
            let r = rows[i]
            rows[i].score = (r.fileKB - base.fileKB) / base.fileKB + (r.msPerImage - base.msPerImage) / base.msPerImage
                + (base.meanTest - r.meanTest) / base.meanTest
        }
        let best = rows.min { $0.score < $1.score }!
        if command.json {
            print(try JSONOutput.encode(rows))
            return
        }
        print("model \(command.model); test: \(command.data.joined(separator: ", ")) (\(test.count) crops); train: \(command.calibration.joined(separator: ", ")) (\(train.count) crops); \(EngineThreads.count) threads")
        print("| scheme | test acc eye / wing / sex % | test mean % | train mean % | ms/image | images/s | file KB | L |")
        print("|---|---|---|---|---|---|---|---|")
        for r in rows {
            let perTrait = r.testAccuracy.map { $0.isFinite ? String(format: "%.2f", 100 * $0) : "—" }.joined(separator: " / ")
            print(String(format: "| %@ | %@ | %.2f | %.2f | %.3f | %.0f | %.0f | %+.3f |", r.scheme, perTrait, 100 * r.meanTest,
                         100 * r.meanTrain, r.msPerImage, r.imagesPerSecond, r.fileKB, r.score))
        }
        print("choice (smallest L): \(best.scheme)")
        print("files: \(directory)")
    }

    /// Accuracy on both subsets; speed as the median of timed batch-64 runs on prepared test crops.
    func measure(_ model: TraitClassifier, scheme: String, file: String, test: [TraitSample], train: [TraitSample]) -> Row {
        let testMetrics = TraitEvaluator.evaluate(model, samples: test)
        let trainMetrics = TraitEvaluator.evaluate(model, samples: train)
        let predictor = TraitPredictor(model, maxBatch: 64)
        let batch = (0..<64).map { test[$0 % test.count].image }
        let input = TraitPredictor.inputTensor(batch, side: predictor.inputSize)
        _ = predictor.outputs(input)
        var times: [Double] = []
        let started = Date()
        while times.count < 5 || (Date().timeIntervalSince(started) < 3 && times.count < 50) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = predictor.outputs(input)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let median = times.sorted()[times.count / 2]
        return Row(scheme: scheme, testAccuracy: testMetrics.traits.map(\.accuracy), trainAccuracy: trainMetrics.traits.map(\.accuracy),
                   msPerImage: median * 1000 / 64, imagesPerSecond: 64 / median, fileKB: Double(Quantize.fileSize(file)) / 1024)
    }
}

