import ArgumentParser
import CompressionBenchmark
import ConsoleOutput
import Foundation
import TensorKernels

/// `flytally bench compress`: every compression method on the generated 10-class shapes
/// benchmark (docs/RESULTS.md "the same table on a public-style benchmark").
struct BenchCompress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compression methods on a generated 10-class 32×32 shapes benchmark (a MobileNetV3 trained from scratch).",
        discussion: """
            Trains MobileNetV3-Small (width --width) in fp32, then applies every row's method to a \
            copy (the same procedure and file format as `flytally compress`) and prints the table: \
            top-1 accuracy, Acc↓, sparsity, average bits, compression ratio from the file size, and \
            images/s of the decompressed model. Work and results stay in --out; rerunning continues.
            """)

    @Option(help: ArgumentHelp("Working directory (checkpoints, finished rows, compressed files).", valueName: "dir"))
    var out: String

    @Option(help: "Training images.")
    var trainImages: Int = 20000

    @Option(help: "Test images.")
    var testImages: Int = 2000

    @Option(help: "Width multiplier of MobileNetV3-Small.")
    var width: Double = 0.5

    @Option(help: "fp32 training epochs.")
    var epochs: Int = 20

    @Option(help: "Fine-tuning epochs per method (INQ rounds and the SQS fine-tune get half).")
    var finetuneEpochs: Int = 2

    @Option(parsing: .upToNextOption, help: "Only these rows (default: all).")
    var rows: [String] = []

    @Flag(help: "LSQ-BN rows: batch-norm statistics frozen during fine-tuning.")
    var freezeBNStatistics = false

    @Option(help: "LSQ rows: learned steps start at min-error or at the LSQ paper's formula (paper).")
    var lsqStart: Compress.LSQStart = .minError

    @Flag(help: "After the rows: re-time every row's file alternately with fp32 (median of 5), for a table timed in one quiet run.")
    var retime = false

    @Option(help: "Threads.")
    var threads: Int = 2

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (100...200_000).contains(trainImages), (100...100_000).contains(testImages) else { throw ValidationError("--train-images must be 100…200000 and --test-images 100…100000.") }
        guard [0.25, 0.5, 0.75, 1.0, 1.25].contains(width) else { throw ValidationError("--width must be one of 0.25, 0.5, 0.75, 1.0, 1.25.") }
        guard (1...500).contains(epochs), (1...100).contains(finetuneEpochs) else { throw ValidationError("--epochs must be 1…500 and --finetune-epochs 1…100.") }
        let known = Set(CompressionBenchmark.rows(.init()).map(\.name))
        if let unknown = rows.first(where: { !known.contains($0) }) {
            throw ValidationError("unknown row '\(unknown)' (rows: \(CompressionBenchmark.rows(.init()).map(\.name).joined(separator: ", "))).")
        }
    }

    func run() throws {
        EngineThreads.set(threads)
        var settings = CompressionBenchmark.Settings()
        settings.trainCount = trainImages
        settings.testCount = testImages
        settings.widthMultiplier = width
        settings.epochs = epochs
        settings.finetuneEpochs = finetuneEpochs
        settings.freezeBatchNormStatistics = freezeBNStatistics
        settings.lsqStart = lsqStart.initialisation
        let quiet = output.quiet
        let result: [CompressionBenchmark.Row]
        do {
            let bench = CompressionBenchmark(settings: settings, directory: out)
            let log: (String) -> Void = { line in if !quiet { StandardError.line(line) } }
            let finished = try bench.run(only: rows.isEmpty ? nil : Set(rows), log: log)
            result = retime ? try bench.retime(finished, log: log) : finished
        } catch {
            throw InputFailure("\(out): \(error)")
        }
        if output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(CompressionBenchmark.table(result))
        }
    }
}
