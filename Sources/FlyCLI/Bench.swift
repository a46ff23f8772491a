import ArgumentParser
import ConsoleOutput
import EngineBenchmark
import Foundation
import Models

/// `flytally bench`: performance measurements (release builds only give meaningful numbers).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure FlyTally's speed.",
        subcommands: [BenchEngine.self, BenchFlySim.self, BenchCount.self, BenchDetector.self])
}

struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "MobileNetV3 inference latency and throughput, training throughput and peak memory.",
        discussion: """
            Random weights (speed does not depend on them). Batch-1 latency and batch-64 \
            throughput in eval mode; training = forward + mean BCE + backward + SGD step at \
            batch 32. Each figure is the median of repeated runs after two warm-up runs. \
            Compare with ../shared/docs/PEERS.md at the same thread count.
            """)

    @Option(help: "Models: small, large or both (comma-separated).")
    var models: String = "small,large"

    @Option(help: "Input sizes in pixels (comma-separated).")
    var inputs: String = "128,224"

    @Option(help: "Threads for the engine and BLAS.")
    var threads: Int = 2

    @Option(help: "Precision to benchmark (fp32 only until the quantization work lands).")
    var precision: String = "fp32"

    @Option(help: "Seconds of timed runs per configuration.")
    var seconds: Double = 3

    @Flag(help: "Skip the training measurement.")
    var noTraining = false

    @Flag(help: "Skip the inference measurements.")
    var noInference = false

    @Flag(help: "Print one JSON array of records instead of a table.")
    var json = false

    @Flag(help: "Also print time and GFLOP/s per layer type of the inference plan.")
    var layers = false

    @Option(name: .customLong("layers-batch"), help: "Batch size for --layers.")
    var layersBatch: Int = 64

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256 (got \(threads)).") }
        guard precision == "fp32" else {
            throw ValidationError("--precision \(precision) is not available yet; fp32 is (int8/fp16 arrive with quantization).")
        }
        guard seconds > 0 && seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600] (got \(seconds)).") }
        _ = try parsedModels()
        _ = try parsedInputs()
    }

    func parsedModels() throws -> [MobileNetV3Configuration.Variant] {
        try models.split(separator: ",").map {
            guard let v = MobileNetV3Configuration.Variant(rawValue: String($0).trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--models accepts small and large (got '\($0)').")
            }
            return v
        }
    }

    func parsedInputs() throws -> [Int] {
        try inputs.split(separator: ",").map {
            guard let n = Int($0.trimmingCharacters(in: .whitespaces)), (32...1024).contains(n) else {
                throw ValidationError("--inputs must be sizes 32…1024 (got '\($0)').")
            }
            return n
        }
    }

    func run() throws {
        var benchmark = EngineBenchmark()
        benchmark.variants = try parsedModels()
        benchmark.inputs = try parsedInputs()
        benchmark.threads = threads
        benchmark.secondsPerConfiguration = seconds
        benchmark.includeTraining = !noTraining
        if noInference { benchmark.inferenceBatches = [] }
        #if DEBUG
        StandardError.line("warning: this is a debug build; benchmark figures are meaningless (use swift build -c release).")
        #endif
        if !json {
            print("model                input batch mode   threads   images/s   latency ms  peak RSS MB  runs")
        }
        var records: [BenchmarkRecord] = []
        benchmark.run { record in
            records.append(record)
            if !json {
                print(String(format: "%-20@ %5d %5d %-6@ %7d %10.1f %12.2f %12.0f %5d", record.model as NSString, record.input,
                             record.batch, record.mode as NSString, record.threads, record.imagesPerSecond,
                             record.latencyMs, record.peakRSSMB, record.runs))
                fflush(nil)
            } else {
                StandardError.line("measured \(record.model) \(record.input) batch \(record.batch) \(record.mode)")
            }
        }
        if json { print(try JSONOutput.encode(records)) }
        if layers && !json {
            for variant in try parsedModels() {
                for input in try parsedInputs() {
                    print("\nper layer type: mobilenet_v3_\(variant.rawValue) \(input)x\(input), batch \(layersBatch), \(threads) threads")
                    print("layer type            ms/batch   share   GFLOP/s")
                    let timings = benchmark.layerProfile(variant: variant, input: input, batch: layersBatch)
                    let total = timings.reduce(0) { $0 + $1.seconds }
                    for t in timings {
                        print(String(format: "%-20@ %9.2f %6.1f%% %9.1f", t.kind as NSString, t.seconds * 1000,
                                     100 * t.seconds / total, t.gflops))
                    }
                }
            }
        }
    }
}
