import Autograd
import Inference
import Foundation
import Layers
import Models
import Optimizers
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

    public init() {}

    /// Per-layer-type time and GFLOP/s of the inference plan (one model, input and batch).
    public func layerProfile(variant: MobileNetV3Configuration.Variant, input: Int, batch: Int, runs: Int = 10) -> [LayerTiming] {
        EngineThreads.set(threads)
        let model = MobileNetV3(MobileNetV3Configuration(variant: variant, logits: 3), seed: 1)
        model.eval()
        guard let plan = try? model.inferencePlan(inputHeight: input, inputWidth: input, maxBatch: batch) else { return [] }
        var rng = RandomSource(seed: 3)
        let x = Tensor.normal([batch, input, input, 3], using: &rng)
        var output = [Float](repeating: 0, count: batch * plan.outputCount)
        return x.withUnsafePointer { xp in
            output.withUnsafeMutableBufferPointer { op in
                plan.run(input: xp, batch: batch, output: op.baseAddress!)
                return plan.profile(input: xp, batch: batch, output: op.baseAddress!, runs: runs)
            }
        }
    }

    /// Runs every configuration, calling `report` after each so progress is visible.
    public func run(report: (BenchmarkRecord) -> Void) {
        EngineThreads.set(threads)
        for variant in variants {
            for input in inputs {
                let model = MobileNetV3(MobileNetV3Configuration(variant: variant, logits: 3), seed: 1)
                for batch in inferenceBatches {
                    report(measureInference(model, variant: variant, input: input, batch: batch))
                }
                if includeTraining {
                    report(measureTraining(model, variant: variant, input: input, batch: trainingBatch))
                }
            }
        }
    }

    func measureInference(_ model: MobileNetV3, variant: MobileNetV3Configuration.Variant, input: Int, batch: Int) -> BenchmarkRecord {
        model.eval()
        var rng = RandomSource(seed: 3)
        let x = Tensor.normal([batch, input, input, 3], using: &rng)
        PeakMemory.reset()
        // The deployed path: the compiled plan (BN folded, activations fused, buffers reused).
        guard let plan = try? model.inferencePlan(inputHeight: input, inputWidth: input, maxBatch: batch) else {
            preconditionFailure("a freshly built MobileNetV3 always compiles")
        }
        var output = [Float](repeating: 0, count: batch * plan.outputCount)
        let times = x.withUnsafePointer { xp in
            output.withUnsafeMutableBufferPointer { op in
                repeatedTimes { plan.run(input: xp, batch: batch, output: op.baseAddress!) }
            }
        }
        return record(variant, input, batch, "infer", times)
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
                        _ times: [Double]) -> BenchmarkRecord {
        let median = times.sorted()[times.count / 2]
        return BenchmarkRecord(model: "mobilenet_v3_\(variant.rawValue)", input: input, batch: batch, mode: mode,
                               precision: "fp32", threads: threads, imagesPerSecond: Double(batch) / median,
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
