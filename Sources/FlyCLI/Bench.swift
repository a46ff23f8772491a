import ArgumentParser
import ConsoleOutput
import EngineBenchmark
import Foundation
import Models

/// `flytally bench`: performance measurements (release builds only give meaningful numbers).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure FlyTally's speed.",
        subcommands: [BenchEngine.self, BenchFlySim.self, BenchCount.self, BenchDetector.self, BenchCompress.self])
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

    @Option(help: ArgumentHelp("Inference precisions, comma-separated: fp32, fp16 (half-precision weights, fp32 arithmetic), int8 (static int8 plan, integer kernels), int8-a7 (the same with 7-bit activation codes), int8-w6a7 (and 6-bit GEMM weights). Training is always fp32.", valueName: "list"))
    var precision: String = "fp32"

    func parsedPrecisions() throws -> [String] {
        try precision.split(separator: ",").map {
            let p = $0.trimmingCharacters(in: .whitespaces)
            guard EngineBenchmark.knownPrecisions.contains(p) else {
                throw ValidationError("--precision accepts \(EngineBenchmark.knownPrecisions.joined(separator: ", ")) (got '\(p)').")
            }
            return p
        }
    }

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
        _ = try parsedPrecisions()
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
        benchmark.precisions = try parsedPrecisions()
        benchmark.secondsPerConfiguration = seconds
        benchmark.includeTraining = !noTraining
        if noInference { benchmark.inferenceBatches = [] }
        #if DEBUG
        StandardError.line("warning: this is a debug build; benchmark figures are meaningless (use swift build -c release).")
        #endif
        if !json {
            print("model                input batch mode   precision threads   images/s   latency ms  peak RSS MB  runs")
        }
        var records: [BenchmarkRecord] = []
        benchmark.run { record in
            records.append(record)
            if !json {
                print(String(format: "%-20@ %5d %5d %-6@ %-9@ %7d %10.1f %12.2f %12.0f %5d", record.model as NSString, record.input,
                             record.batch, record.mode as NSString, record.precision as NSString, record.threads, record.imagesPerSecond,
                             record.latencyMs, record.peakRSSMB, record.runs))
                fflush(nil)
            } else {
                StandardError.line("measured \(record.model) \(record.input) batch \(record.batch) \(record.mode)")
            }
        }
        if json { print(try JSONOutput.encode(records)) }
        if layers && !json {
            for variant in try parsedModels() { for input in try parsedInputs() { for precision in try parsedPrecisions() {
                    print("\nper layer type: mobilenet_v3_\(variant.rawValue) \(input)x\(input) \(precision), batch \(layersBatch), \(threads) threads")
                    print("layer type            ms/batch   share   GFLOP/s")
                    let timings = benchmark.layerProfile(variant: variant, input: input, batch: layersBatch, precision: precision)
                    let total = timings.reduce(0) { $0 + $1.seconds }
                    for t in timings {
                        print(String(format: "%-20@ %9.2f %6.1f%% %9.1f", t.kind as NSString, t.seconds * 1000,
                                     100 * t.seconds / total, t.gflops))
                    }
            }}}
        }
    }
}
