import Autograd
import Inference
import Foundation
import Layers
import Models
import Optimizers
import Quantization
import TensorKernels
import Tensors

/// One measured configuration; encodes to the JSON record of `flytally bench engine --json`.
public struct BenchmarkRecord: Codable, Sendable {
    public var model: String
    public var input: Int
    public var batch: Int
    public var mode: String          // "infer" or "train"
    public var precision: String
    public var threads: Int
    public var imagesPerSecond: Double
    public var latencyMs: Double
    public var peakRSSMB: Double
    public var runs: Int

    enum CodingKeys: String, CodingKey {
        case model, input, batch, mode, precision, threads, runs
        case imagesPerSecond = "images_per_s", latencyMs = "latency_ms", peakRSSMB = "peak_rss_mb"
    }
}

/// Measures MobileNetV3 inference latency/throughput and training throughput with random
/// weights (speed does not depend on them), reporting medians of repeated runs.
public struct EngineBenchmark {
    public var variants: [MobileNetV3Configuration.Variant] = [.small, .large]
    public var inputs: [Int] = [128, 224]
    public var threads: Int = 2
    /// Minimum seconds of timed work per configuration (after warm-up).
    public var secondsPerConfiguration: Double = 3
    public var minimumRuns = 5
    public var includeTraining = true
    public var inferenceBatches = [1, 64]
    public var trainingBatch = 32
    /// Inference precisions: "fp32", "fp16" (weights rounded to half precision, computed in
    /// fp32: same plan, so same speed by construction), "int8" (the static int8 plan,
    /// calibrated on 8 random images), "int8-a7" (the same with 7-bit activation codes) and
    /// "int8-w6a7" (7-bit activations and 6-bit GEMM weights).
    public var precisions = ["fp32"]
    public static let knownPrecisions = ["fp32", "fp16", "int8", "int8-a7", "int8-w6a7"]

    public init() {}

    /// Per-layer-type time and GFLOP/s of the inference plan (one model, input, batch and precision).
    public func layerProfile(variant: MobileNetV3Configuration.Variant, input: Int, batch: Int, precision: String = "fp32",
                             runs: Int = 10) -> [LayerTiming] {
        EngineThreads.set(threads)
        let model = MobileNetV3(MobileNetV3Configuration(variant: variant, logits: 3), seed: 1)
        let plan = compiledPlan(model, input: input, batch: batch, precision: precision)
        var rng = RandomSource(seed: 3)
        let x = Tensor.normal([batch, input, input, 3], using: &rng)
        var output = [Float](repeating: 0, count: batch * model.configuration.outputCount)
        return x.withUnsafePointer { xp in
            output.withUnsafeMutableBufferPointer { op in
                plan.run(xp, op.baseAddress!)
                return plan.profile(xp, op.baseAddress!, runs)
            }
        }
    }

    /// The model compiled in `precision`: run one batch, and profile it per layer type.
    func compiledPlan(_ model: MobileNetV3, input: Int, batch: Int, precision: String)
        -> (run: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void,
            profile: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> [LayerTiming]) {
        model.eval()
        var weights: NamedWeights = [:]
        for entry in model.stateEntries() { weights[entry.name] = entry.get() }
        if precision == "fp16" { weights = weights.mapValues { Tensor(shape: $0.shape, scalars: $0.scalars.map { Float(Float16($0)) }) } }
        do {
            if precision.hasPrefix("int8") {
                var rng = RandomSource(seed: 5)
                let calibrator = try Calibrator(configuration: model.configuration, weights: weights, inputHeight: input, inputWidth: input)
                calibrator.observe(.normal([8, input, input, 3], using: &rng))
                let network = try QuantizedNetwork.quantize(configuration: model.configuration, weights: weights,
                                                            ranges: try calibrator.ranges(.minMax),
                                                            activationBits: precision == "int8" ? 8 : 7,
                                                            weightBits: precision == "int8-w6a7" ? 6 : 7)
                let plan = try QuantizedMobileNetV3Plan(network: network, inputHeight: input, inputWidth: input, maxBatch: batch)
                return ({ plan.run(input: $0, batch: batch, output: $1) },
                        { plan.profile(input: $0, batch: batch, output: $1, runs: $2) })
            }
            let plan = try MobileNetV3Plan(configuration: model.configuration, weights: weights, inputHeight: input,
                                           inputWidth: input, maxBatch: batch)
            return ({ plan.run(input: $0, batch: batch, output: $1) },
                    { plan.profile(input: $0, batch: batch, output: $1, runs: $2) })
        } catch {
            preconditionFailure("a freshly built MobileNetV3 always compiles: \(error)")
        }
    }

    /// Runs every configuration, calling `report` after each so progress is visible.
    public func run(report: (BenchmarkRecord) -> Void) {
        EngineThreads.set(threads)
        for variant in variants {
            for input in inputs {
                let model = MobileNetV3(MobileNetV3Configuration(variant: variant, logits: 3), seed: 1)
                for precision in precisions {
                    for batch in inferenceBatches {
                        report(measureInference(model, variant: variant, input: input, batch: batch, precision: precision))
                    }
                }
                if includeTraining {
                    report(measureTraining(model, variant: variant, input: input, batch: trainingBatch))
                }
            }
        }
    }

    func measureInference(_ model: MobileNetV3, variant: MobileNetV3Configuration.Variant, input: Int, batch: Int,
                          precision: String = "fp32") -> BenchmarkRecord {
        var rng = RandomSource(seed: 3)
        let x = Tensor.normal([batch, input, input, 3], using: &rng)
        // The deployed path: a compiled plan (BN folded, activations fused, buffers reused).
        let plan = compiledPlan(model, input: input, batch: batch, precision: precision)
        PeakMemory.reset()
        var output = [Float](repeating: 0, count: batch * model.configuration.outputCount)
        let times = x.withUnsafePointer { xp in
            output.withUnsafeMutableBufferPointer { op in
                repeatedTimes { plan.run(xp, op.baseAddress!) }
            }
        }
        return record(variant, input, batch, "infer", times, precision: precision)
    }

    func measureTraining(_ model: MobileNetV3, variant: MobileNetV3Configuration.Variant, input: Int, batch: Int) -> BenchmarkRecord {
        model.train()
        var rng = RandomSource(seed: 4)
        let x = Variable(.normal([batch, input, input, 3], using: &rng))
        var targets = Tensor(shape: [batch, 3])
        for i in 0..<targets.count { targets.scalars[i] = rng.uniform() < 0.5 ? 0 : 1 }
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.01, momentum: 0.9)
        PeakMemory.reset()
        let times = repeatedTimes {
            optimizer.zeroGrad()
            let loss = Loss.bceWithLogits(model(x), targets: targets)
            loss.backward()
            optimizer.step()
        }
        return record(variant, input, batch, "train", times)
    }

    private func record(_ variant: MobileNetV3Configuration.Variant, _ input: Int, _ batch: Int, _ mode: String,
                        _ times: [Double], precision: String = "fp32") -> BenchmarkRecord {
        let median = times.sorted()[times.count / 2]
        return BenchmarkRecord(model: "mobilenet_v3_\(variant.rawValue)", input: input, batch: batch, mode: mode,
                               precision: precision, threads: threads, imagesPerSecond: Double(batch) / median,
                               latencyMs: median * 1000, peakRSSMB: PeakMemory.megabytes, runs: times.count)
    }

    /// Two warm-up calls, then timed calls until both `minimumRuns` and the time budget are met.
    private func repeatedTimes(_ body: () -> Void) -> [Double] {
        body(); body()
        var times: [Double] = []
        let start = Date()
        while times.count < minimumRuns || Date().timeIntervalSince(start) < secondsPerConfiguration {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            if times.count >= 1000 { break }
        }
        return times
    }
}

/// Peak resident memory of this process (Linux: VmHWM, reset through /proc/self/clear_refs).
public enum PeakMemory {
    public static func reset() {
        #if os(Linux)
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .ascii)
        #endif
    }

    public static var megabytes: Double {
        #if os(Linux)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #endif
    }
}
