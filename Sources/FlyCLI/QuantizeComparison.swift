import ConsoleOutput
import Detector
import Dispatch
import Foundation
import Quantization
import SafeTensors
import TensorKernels
import Tensors
import Traits

/// `flytally quantize MODEL --compare`: the float model and every scheme, each written to a
/// file and read back, evaluated on the test and train data, timed, and scored with
///   L(φ) = (Size_φ − Size₀)/Size₀ + (Time_φ − Time₀)/Time₀ + (Acc₀ − Acc_φ)/Acc₀
/// (0 for the float model itself; lower is better; Acc = mean per-trait test accuracy — AP@0.5
/// for detectors — so a drop in accuracy adds to L). The scheme with the smallest L is named.
struct QuantizeComparison {
    let command: Quantize
    /// static-int8 again with narrower codes: name, activation bits, GEMM weight bits
    /// (`--activation-bits 7`, and `--weight-bits 6`).
    static let narrowVariants: [(name: String, activationBits: Int, weightBits: Int)] = [
        ("static-int8-a7", 7, 7), ("static-int8-w6a7", 7, 6),
    ]

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
        let architecture = try? SafeTensorsFile.read(path: command.model).metadata["architecture"]
        if architecture == DetectorModelFile.architecture { return try runDetector() }
        let original = try command.loadFloatClassifier(command.model)
        let (test, testProblems) = loadAll(command.data) { TraitSampleLoader.load($0) }
        for problem in testProblems { StandardError.line("skipped: \(problem)") }
        guard !test.isEmpty else { throw InputFailure("no usable labelled samples in \(command.data.joined(separator: ", "))") }
        let train = try command.calibrationCrops()
        let (directory, stem) = try outputLocation()
        var rows: [Row] = []
        // Every scheme, then static-int8 with narrower codes.
        var variants: [(name: String, scheme: QuantizationScheme?, activationBits: Int, weightBits: Int)] = [("fp32", nil, 8, 7)]
            + QuantizationScheme.allCases.map { ($0.rawValue, $0, 8, 7) } + Self.narrowVariants.map { ($0.name, .staticInt8, $0.activationBits, $0.weightBits) }
        if original.configuration.usesKeypointMaps {
            // The map head needs the backbone's inner features, which only the static plan gives.
            variants.removeAll { $0.scheme == .dynamicInt8 || $0.scheme == .int8IO }
            StandardError.line("note: \(command.model) has keypoint maps: dynamic-int8 and int8-io do not apply, left out")
        }
        for (name, scheme, activationBits, weightBits) in variants {
            let path = (directory as NSString).appendingPathComponent("\(stem)-\(name).safetensors")
            do {
                switch scheme {
                case nil: try TraitModelFile.save(original, to: path)
                case .fp16?: try TraitModelFile.save(original, to: path, float16: true)
                case let scheme?:
                    try TraitModelFile.save(original, quantized: try command.quantize(original, scheme: scheme, crops: train, activationBits: activationBits,
                                                                                            weightBits: weightBits), to: path)
                }
            } catch let failure as InputFailure { throw failure } catch { throw InputFailure("\(path): \(error)") }
            let loaded: TraitClassifier
            do { loaded = try TraitModelFile.load(path) } catch { throw InputFailure("\(error)") }
            StandardError.line("measuring \(name)…")
            rows.append(measure(loaded, scheme: name, file: path, test: test, train: train))
        }
        let best = score(&rows)
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

    /// Where the compared files go (created) and the stem of their names.
    func outputLocation() throws -> (directory: String, stem: String) {
        let directory = command.outDir ?? NSTemporaryDirectory() + "flytally-quantize-\(getpid())"
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw InputFailure("\(directory): cannot create (\(error.localizedDescription))")
        }
        return (directory, ((command.model as NSString).lastPathComponent as NSString).deletingPathExtension)
    }

    /// Fills in L(φ) against row 0 (the float model) and returns the row with the smallest.
    func score(_ rows: inout [Row]) -> Row {
        let base = rows[0]
        for i in rows.indices {
            let r = rows[i]
            rows[i].score = (r.fileKB - base.fileKB) / base.fileKB + (r.msPerImage - base.msPerImage) / base.msPerImage
                + (base.meanTest - r.meanTest) / base.meanTest
        }
        return rows.min { $0.score < $1.score }!
    }

    /// Detectors: fp32, fp16 and static-int8; "accuracy" is AP@0.5 on the test and train photo
    /// sets, time is milliseconds per photo through `detect` (letterbox, network, decoding).
    func runDetector() throws {
        let original: (model: FlyDetector, threshold: Float)
        do { original = try DetectorModelFile.load(command.model) } catch { throw InputFailure("\(error)") }
        if original.model.quantization != nil { throw InputFailure("\(command.model): already quantised; compare from the float model") }
        let (test, testProblems) = loadAll(command.data) { DetectorSampleLoader.load($0, maxSide: nil) }
        let (train, trainProblems) = loadAll(command.calibration) { DetectorSampleLoader.load($0, maxSide: nil) }
        for problem in testProblems + trainProblems { StandardError.line("skipped: \(problem)") }
        guard !test.isEmpty, train.count >= Calibrator.minimumImages else {
            throw InputFailure("--compare needs annotated test photos and at least \(Calibrator.minimumImages) train photos")
        }
        let (directory, stem) = try outputLocation()
        let calibration = evenlySpread(train, limit: command.calibrationLimit).map(\.image)
        var rows: [Row] = []
        for name in ["fp32", "fp16", "static-int8"] + Self.narrowVariants.map(\.name) {
            let path = (directory as NSString).appendingPathComponent("\(stem)-\(name).safetensors")
            do {
                switch name {
                case "fp32": try DetectorModelFile.save(original.model, threshold: original.threshold, to: path)
                case "fp16": try DetectorModelFile.save(original.model, threshold: original.threshold, to: path, float16: true)
                default:
                    StandardError.line("calibrating on \(calibration.count) photos…")
                    let narrow = Self.narrowVariants.first { $0.name == name }
                    let backbone = try original.model.quantizedBackbone(calibration: calibration, method: RangeMethod(argument: command.method)!,
                                                                        activationBits: narrow?.activationBits ?? 8, weightBits: narrow?.weightBits ?? 7)
                    try DetectorModelFile.save(original.model, threshold: original.threshold, backbone: backbone, to: path)
                }
            } catch { throw InputFailure("\(path): \(error)") }
            let loaded: (model: FlyDetector, threshold: Float)
            do { loaded = try DetectorModelFile.load(path) } catch { throw InputFailure("\(error)") }
            StandardError.line("measuring \(name)…")
            let testAP = DetectorEvaluator.evaluate(loaded.model, samples: test, threshold: loaded.threshold).ap50
            let trainAP = DetectorEvaluator.evaluate(loaded.model, samples: train, threshold: loaded.threshold).ap50
            let photos = test.prefix(8).map(\.image)
            _ = loaded.model.detect(photos[0], threshold: loaded.threshold)
            var times: [Double] = []
            for _ in 0..<3 {
                for photo in photos {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = loaded.model.detect(photo, threshold: loaded.threshold)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
            }
            let median = times.sorted()[times.count / 2]
            rows.append(Row(scheme: name, testAccuracy: [testAP], trainAccuracy: [trainAP], msPerImage: median * 1000,
                            imagesPerSecond: 1 / median, fileKB: Double(Quantize.fileSize(path)) / 1024))
        }
        let best = score(&rows)
        if command.json {
            print(try JSONOutput.encode(rows))
            return
        }
        print("detector \(command.model); test: \(command.data.joined(separator: ", ")) (\(test.count) photos); train: \(command.calibration.joined(separator: ", ")) (\(train.count) photos); \(EngineThreads.count) threads")
        print("| scheme | test AP@0.5 | train AP@0.5 | ms/photo | photos/s | file KB | L |")
        print("|---|---|---|---|---|---|---|")
        for r in rows {
            print(String(format: "| %@ | %.4f | %.4f | %.1f | %.1f | %.0f | %+.3f |", r.scheme, r.meanTest, r.meanTrain, r.msPerImage,
                         r.imagesPerSecond, r.fileKB, r.score))
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

