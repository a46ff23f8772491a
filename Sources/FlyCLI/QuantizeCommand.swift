import ArgumentParser
import ConsoleOutput
import Detector
import Foundation
import ImageIO
import Inference
import Quantization
import SafeTensors
import Traits

/// `flytally quantize`: rewrite a model in a post-training quantisation scheme, or measure
/// every scheme and choose one (`--compare`).
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantise a trait classifier (fp16, dynamic-int8, static-int8, int8-io) or a detector (fp16, static-int8), or compare every scheme.",
        discussion: """
            fp16: weights stored as half precision, converted to fp32 at load (fp32 arithmetic). \
            dynamic-int8: int8 weights per output channel; each GEMM's input quantised per batch at \
            run time. static-int8: int8 weights, uint8 activations with ranges calibrated on \
            --calibration data (--method min-max, percentile[:P] or mse), integer arithmetic between \
            layers. int8-io: static-int8 whose input and output are uint8 codes too. \
            --activation-bits 7 (static-int8, int8-io) keeps activation codes in 0…127: half the \
            resolution, faster integer products on AVX2 without VNNI. \
            Classifiers with keypoint maps (--keypoint-head heatmap…) take fp16 and static-int8: \
            their map head stays float on the integer backbone's features, as a detector's neck. \
            --compare evaluates the float model and every scheme (static-int8 with 8- and 7-bit \
            activations) on --data (test) and --calibration (train) and prints accuracy, speed, size \
            and the score L (docs/QUANTIZATION.md).
            """)

    @Argument(help: "Model file (trait classifier or detector), float.")
    var model: String

    @Option(help: ArgumentHelp("Scheme: \(QuantizationScheme.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "scheme"))
    var scheme: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Calibration data (crop directories or annotated photo sets); with --compare also the train subset.", valueName: "dir"))
    var calibration: [String] = []

    @Option(help: ArgumentHelp("How calibration picks activation ranges: min-max, percentile, percentile:P, mse.", valueName: "method"))
    var method: String = "percentile"

    @Option(help: ArgumentHelp("static-int8 / int8-io: bits of the activation codes, 8 (0…255) or 7 (0…127; faster on AVX2 CPUs without VNNI).", valueName: "bits"))
    var activationBits: Int = 8

    @Option(help: ArgumentHelp("Integer schemes: bits of the 1×1/stem/linear weights, 7 (±63) or 6 (±31; with --activation-bits 7 the AVX2 kernel sums four k-steps per widening).", valueName: "bits"))
    var weightBits: Int = 7

    @Option(help: "Use at most this many calibration crops (evenly spread).")
    var calibrationLimit: Int = 512

    @Option(help: ArgumentHelp("Output model file.", valueName: "file"))
    var out: String?

    @Flag(help: "Evaluate the float model and every scheme, print the comparison and the choice.")
    var compare = false

    @Option(name: .customLong("data"), parsing: .upToNextOption, help: ArgumentHelp("--compare: test data.", valueName: "dir"))
    var data: [String] = []

    @Option(help: ArgumentHelp("--compare: where the quantised files are written (default: a temporary folder).", valueName: "dir"))
    var outDir: String?

    @Flag(help: "--compare: print the table as JSON.")
    var json = false

    func parsedScheme() throws -> QuantizationScheme? {
        guard let scheme else { return nil }
        guard let s = QuantizationScheme(rawValue: scheme) else {
            throw ValidationError("--scheme must be one of \(QuantizationScheme.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(scheme)').")
        }
        return s
    }

    func validate() throws {
        guard RangeMethod(argument: method) != nil else { throw ValidationError("--method must be min-max, percentile, percentile:P (50 < P ≤ 100) or mse (got '\(method)').") }
        guard QuantizedNetwork.allowedActivationBits.contains(activationBits) else {
            throw ValidationError("--activation-bits must be 8 or 7 (got \(activationBits)).")
        }
        guard QuantizedNetwork.allowedWeightBits.contains(weightBits) else { throw ValidationError("--weight-bits must be 7 or 6 (got \(weightBits)).") }
        guard calibrationLimit >= Calibrator.minimumImages else { throw ValidationError("--calibration-limit must be at least \(Calibrator.minimumImages).") }
        if compare {
            guard !data.isEmpty, !calibration.isEmpty else { throw ValidationError("--compare needs --data (test) and --calibration (train and calibration) paths.") }
            return
        }
        guard let scheme = try parsedScheme() else { throw ValidationError("Give --scheme (or --compare).") }
        guard let out else { throw ValidationError("Give --out FILE.") }
        if (model as NSString).standardizingPath == (out as NSString).standardizingPath {
            throw ValidationError("--out must differ from the input model (the input is never overwritten).")
        }
        if scheme.isCalibrated && calibration.isEmpty { throw ValidationError("--scheme \(scheme.rawValue) needs --calibration data.") }
        if activationBits != 8 && !scheme.isCalibrated {
            throw ValidationError("--activation-bits applies to static-int8 and int8-io only (\(scheme.rawValue) has no calibrated activations).")
        }
        if weightBits != 7 && !scheme.isInteger { throw ValidationError("--weight-bits applies to the integer schemes only (fp16 keeps float weights).") }
    }

    func run() throws {
        if compare { return try QuantizeComparison(command: self).run() }
        let scheme = try parsedScheme()!, out = out!
        let architecture: String?
        do { architecture = try SafeTensorsFile.read(path: model).metadata["architecture"] } catch { throw InputFailure("\(model): \(error)") }
        let extra = ["quantized_from": (model as NSString).lastPathComponent]
        switch architecture {
        case TraitModelFile.architecture:
            let classifier = try loadFloatClassifier(model)
            if scheme == .fp16 {
                do { try TraitModelFile.save(classifier, to: out, extra: extra, float16: true) } catch { throw InputFailure("\(out): \(error)") }
            } else {
                let quantized = try quantize(classifier, scheme: scheme)
                do { try TraitModelFile.save(classifier, quantized: quantized, to: out, extra: extra) } catch { throw InputFailure("\(out): \(error)") }
            }
        case DetectorModelFile.architecture:
            try quantizeDetector(scheme: scheme, out: out, extra: extra)
        default:
            throw InputFailure("\(model): not a FlyTally trait classifier or detector (architecture '\(architecture ?? "missing")')")
        }
        let before = Self.fileSize(model), after = Self.fileSize(out)
        print("\(model) → \(out) (\(scheme.rawValue)): \(before / 1024) KB → \(after / 1024) KB"
              + String(format: " (%.0f%%)", 100 * Double(after) / Double(max(before, 1))))
    }

    /// Detectors: fp16 storage, or a static-int8 backbone calibrated on photos (the neck and
    /// heads stay float). Dynamic and int8-io have no detector form.
    func quantizeDetector(scheme: QuantizationScheme, out: String, extra: [String: String]) throws {
        guard scheme == .fp16 || scheme == .staticInt8 else {
            throw InputFailure("\(model): detectors can be quantised to fp16 or static-int8 (a detector's float neck needs float feature maps, so dynamic-int8 and int8-io have no detector form)")
        }
        let (detector, threshold): (FlyDetector, Float)
        do { (detector, threshold) = try DetectorModelFile.load(model) } catch { throw InputFailure("\(error)") }
        if detector.quantization != nil { throw InputFailure("\(model): already quantised (static-int8); quantise the float model it came from") }
        if scheme == .fp16 {
            do { try DetectorModelFile.save(detector, threshold: threshold, to: out, extra: extra, float16: true) } catch { throw InputFailure("\(out): \(error)") }
            return
        }
        // Any photos calibrate a detector (labels are not needed): files and folders, thinned
        // evenly to the limit, unreadable ones skipped with a message.
        let collected = ImageFileCollector.collect(calibration)
        for problem in collected.problems { StandardError.line("skipped: \(problem)") }
        let files = evenlySpread(collected.files, limit: calibrationLimit)
        var photos: [RGBImage] = []
        for file in files {
            do { photos.append(try ImageDecoder.decode(fileAt: file).image) } catch { StandardError.line("skipped: \(file): \(error)") }
        }
        guard photos.count >= Calibrator.minimumImages else {
            throw InputFailure("\(calibration.joined(separator: ", ")): \(CalibrationError.tooFewImages(found: photos.count, needed: Calibrator.minimumImages))")
        }
        let method = RangeMethod(argument: self.method)!
        let bar = ProgressBar(title: "calibrating (\(method))", total: photos.count, unit: "photos", style: .automatic(quiet: json))
        var reported = 0
        do {
            let backbone = try detector.quantizedBackbone(calibration: photos, method: method, activationBits: activationBits,
                                                          weightBits: weightBits) { done, _ in
                bar.advance(by: done - reported)
                reported = done
            }
            bar.finish()
            try DetectorModelFile.save(detector, threshold: threshold, backbone: backbone, to: out, extra: extra)
        } catch { throw InputFailure("\(error)") }
    }

    static func fileSize(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }

    func loadFloatClassifier(_ path: String) throws -> TraitClassifier {
        let classifier: TraitClassifier
        do { classifier = try TraitModelFile.load(path) } catch { throw InputFailure("\(error)") }
        if let q = classifier.quantization {
            throw InputFailure("\(path): already quantised (\(q.scheme.rawValue)); quantise the float model it came from")
        }
        return classifier
    }

    /// Calibration crops: every usable sample of --calibration, thinned evenly to the limit.
    func calibrationCrops() throws -> [TraitSample] {
        let (samples, problems) = loadAll(calibration) { TraitSampleLoader.load($0) }
        for problem in problems { StandardError.line("skipped: \(problem)") }
        guard samples.count >= Calibrator.minimumImages else {
            throw InputFailure("\(calibration.joined(separator: ", ")): \(CalibrationError.tooFewImages(found: samples.count, needed: Calibrator.minimumImages))")
        }
        return evenlySpread(samples, limit: calibrationLimit)
    }

    func quantize(_ classifier: TraitClassifier, scheme: QuantizationScheme, crops: [TraitSample]? = nil,
                  activationBits: Int? = nil, weightBits: Int? = nil) throws -> QuantizedTraitModel {
        let method = RangeMethod(argument: self.method)!
        if classifier.configuration.usesKeypointMaps && scheme != .staticInt8 {
            throw InputFailure("\(model): \(UnsupportedForQuantization(scheme: scheme))")
        }
        guard scheme.isCalibrated else { return try classifier.quantized(scheme, calibration: [], weightBits: weightBits ?? self.weightBits) }
        let samples = try crops ?? calibrationCrops()
        let bar = ProgressBar(title: "calibrating (\(method))", total: samples.count, unit: "crops", style: .automatic(quiet: json))
        defer { bar.finish() }
        var reported = 0
        do {
            return try classifier.quantized(scheme, calibration: samples.map(\.image), method: method,
                                            activationBits: activationBits ?? self.activationBits,
                                            weightBits: weightBits ?? self.weightBits) { done, _ in
                bar.advance(by: done - reported)
                reported = done
            }
        } catch { throw InputFailure("\(error)") }
    }
}

/// At most `limit` items, evenly spread over `items` (all of them when there are fewer).
func evenlySpread<T>(_ items: [T], limit: Int) -> [T] {
    guard items.count > limit else { return items }
    return (0..<limit).map { items[$0 * items.count / limit] }
}
