import ArgumentParser
import ConsoleOutput
import Detector
import Foundation
import ImageIO
import ImageProcessing
import SafeTensors
import TensorKernels
import Tensors

/// `flytally bench detector`: detection latency per photo for both detector sizes.
struct BenchDetector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector",
        abstract: "Detection latency per photo (decode excluded and included), fast and accurate detectors.",
        discussion: """
            Random weights unless --model is given (speed does not depend on them). Every photo \
            is decoded and detected once as a warm-up, then --repeats timed passes over all \
            photos; the median pass is reported, per photo.
            """)

    @Argument(help: "Photos or directories.")
    var photos: [String]

    @Option(help: "Sizes: fast, accurate or both (comma-separated).")
    var sizes = "fast,accurate"

    @Option(help: "A trained detector file to time instead of random weights (its own size).")
    var model: String?

    @Option(help: "Timed passes (the median is reported).")
    var repeats = 5

    @Option(help: "Threads.")
    var threads = 2

    @Option(help: ArgumentHelp("Test-time views averaged per input, as `count --views` (not with --network-only).", valueName: "n"), transform: parseViews)
    var views = 1

    @Flag(help: "Time the network alone: the first photo letterboxed, padded to the square input and normalised once, then the forward pass at batch 1 (no resize, no decoding) — the figure to set beside ONNX Runtime running the same detector (benchmarks/peers/ort_detector.py).")
    var networkOnly = false

    @Option(help: "With --network-only: write the network's input [1, S, S, 3] and output map [1, S/s, S/s, 5] to this safetensors file (the peer script's --check).")
    var saveIO: String?

    func validate() throws {
        guard (1...50).contains(repeats) else { throw ValidationError("--repeats must be 1…50.") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256.") }
        guard sizes.split(separator: ",").allSatisfy({ $0 == "fast" || $0 == "accurate" }) else {
            throw ValidationError("--sizes takes fast, accurate or fast,accurate.")
        }
        if saveIO != nil && !networkOnly { throw ValidationError("--save-io needs --network-only.") }
        if views != 1 && networkOnly { throw ValidationError("--views times whole photos; --network-only times one forward pass.") }
    }

    func run() throws {
        EngineThreads.set(threads)
        let files = ImageFileCollector.collect(photos).files
        guard !files.isEmpty else { throw InputFailure("no photos in \(photos.joined(separator: ", "))") }
        var detectors: [(String, FlyDetector)] = []
        if let model {
            do { detectors = [((model as NSString).lastPathComponent, try DetectorModelFile.load(model).model)] } catch { throw InputFailure("\(error)") }
        } else {
            for s in sizes.split(separator: ",") {
                detectors.append((String(s), FlyDetector(s == "fast" ? .fast : .accurate, seed: 1)))
            }
        }
        let encoded = try files.map { path -> [UInt8] in
            guard let data = FileManager.default.contents(atPath: path) else { throw InputFailure("\(path): cannot read") }
            return [UInt8](data)
        }
        if networkOnly {
            for (name, detector) in detectors { try timeNetwork(name, detector, firstPhoto: files[0], bytes: encoded[0]) }
            return
        }
        var megapixels = 0.0
        for (name, detector) in detectors {
            detector.eval()
            var decodeTimes: [Double] = [], detectTimes: [Double] = []
            for pass in 0...repeats {
                var decode = 0.0, detect = 0.0
                for bytes in encoded {
                    var t = Date()
                    let image: RGBImage
                    do { image = try ImageDecoder.decode(bytes).image } catch { throw InputFailure("\(error)") }
                    decode += Date().timeIntervalSince(t)
                    megapixels = Double(image.width * image.height) / 1e6
                    t = Date()
                    _ = detector.detect(image, threshold: FlyDetector.defaultThreshold, views: views)
                    detect += Date().timeIntervalSince(t)
                }
                if pass > 0 { decodeTimes.append(decode / Double(files.count)); detectTimes.append(detect / Double(files.count)) }
            }
            let d = detectTimes.sorted()[detectTimes.count / 2], e = decodeTimes.sorted()[decodeTimes.count / 2]
            print(String(format: "%@ (%@, input %d px%@): detect %.1f ms/photo, decode %.1f ms, decode + detect %.1f ms — %d photos (last %.1f MP), %d threads, median of %d",
                         name as NSString, detector.configuration.variant.rawValue as NSString, detector.configuration.inputSize,
                         (views == 1 ? "" : ", \(views) views") as NSString,
                         1000 * d, 1000 * e, 1000 * (d + e), files.count, megapixels, threads, repeats))
        }
    }

    /// `--network-only`: 3 warm-up passes, then `repeats` passes of 10 forward passes each;
    /// the median pass, per forward pass.
    func timeNetwork(_ name: String, _ detector: FlyDetector, firstPhoto path: String, bytes: [UInt8]) throws {
        let image: RGBImage
        do { image = try ImageDecoder.decode(bytes).image } catch { throw InputFailure("\(path): \(error)") }
        let side = detector.configuration.inputSize
        // Padded to the full square input (a square photo's cost, the most a photo costs at this side).
        let input = Letterbox(photoWidth: image.width, photoHeight: image.height, side: side).apply(image)
            .cropped(x: 0, y: 0, width: side, height: side, fill: Letterbox.padding)
        let tensor = FlyDetector.inputTensor([input])
        detector.eval()
        var output = detector.outputMap(normalized: tensor)
        for _ in 0..<3 { output = detector.outputMap(normalized: tensor) }
        var passes: [Double] = []
        for _ in 0..<repeats {
            let t = Date()
            for _ in 0..<10 { output = detector.outputMap(normalized: tensor) }
            passes.append(Date().timeIntervalSince(t) / 10)
        }
        passes.sort()
        print(String(format: "%@ (%@, input %d×%d, batch 1): network %.2f ms (min %.2f) — %d threads, median of %d passes of 10",
                     name as NSString, detector.configuration.variant.rawValue as NSString, side, side,
                     1000 * passes[passes.count / 2], 1000 * passes[0], threads, repeats))
        if let saveIO {
            do {
                let file = try SafeTensorsFile(entries: [
                    SafeTensorsEntry(name: "input", shape: tensor.shape, floats: tensor.scalars),
                    SafeTensorsEntry(name: "output", shape: output.shape, floats: output.scalars),
                ], metadata: ["layout": "NHWC", "normalization": "imagenet", "photo": path])
                try file.write(path: saveIO)
            } catch { throw InputFailure("\(saveIO): cannot write (\(error))") }
            print("input and output map written to \(saveIO)")
        }
    }
}
