import ArgumentParser
import Compression
import Foundation
import Layers
import TensorKernels
import Traits

/// `flytally compress`: compression-aware training of a trained trait classifier (QAT, LSQ,
/// LSQ-BN, INQ, SQS) into a compressed model file, and `--report` on such a file.
/// Methods: docs/COMPRESSION.md.
struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compress a trained trait classifier (QAT, LSQ, LSQ-BN, INQ, SQS), or report on a compressed file.",
        discussion: """
            Fine-tunes MODEL with the chosen method's quantisers attached (checkpoint every epoch; \
            --resume continues), reports validation accuracy as the compressed model computes it, \
            and writes the compressed model file (bit-packed weights, sparse where that is smaller) \
            plus the fine-tuned float weights. --out FILE.safetensors puts the compressed file there \
            and the working files in FILE.work/; any other --out is a directory holding \
            compressed.safetensors, model.safetensors and the checkpoints.
              flytally compress --report FILE prints the size/accuracy metrics of a compressed file.
            """)

    typealias Method = CompressionMethod

    enum BatchNormHandling: String, ExpressibleByArgument, CaseIterable { case keep, fold }
    enum BatchNormStatistics: String, ExpressibleByArgument, CaseIterable { case batch, frozen }
    enum LSQStart: String, ExpressibleByArgument, CaseIterable {
        case minError = "min-error", paper
        var initialisation: FakeQuantizer.StepInitialisation { self == .paper ? .paper : .minimumError }
    }

    @Argument(help: "Trained float trait classifier (not with --report).")
    var model: String?

    @Option(help: "qat | lsq | lsq-bn | inq | sqs.")
    var method: Method?

    @Option(help: ArgumentHelp("Print the metrics of a compressed model file and exit.", valueName: "file"))
    var report: String?

    @Option(help: ArgumentHelp("With --report and --data: the float model to time beside the compressed one.", valueName: "file"))
    var original: String?

    @Option(help: "With --report and --data: timed passes over the data (the median is reported).")
    var repeats: Int = 3

    @Option(name: .customLong("data"), parsing: .upToNextOption, help: "Training data (one or more paths); with --report, data to measure accuracy and speed on.")
    var data: [String] = []

    @Option(name: .customLong("validation"), parsing: .upToNextOption, help: "Validation data (accuracy before and after).")
    var validationData: [String] = []

    @Option(help: "Weight bits: qat/lsq/lsq-bn 2…8, inq 2…8 (default 8; 5 is INQ's classic setting).")
    var weightBits: Int = 8

    @Option(help: "Activation bits for qat/lsq/lsq-bn (2…8). INQ and SQS keep activations float.")
    var activationBits: Int = 8

    @Option(help: "qat/lsq: keep batch norm (fold at export) or fold it into the weights during training (lsq-bn = lsq --bn fold).")
    var bn: BatchNormHandling = .keep

    @Option(help: "With folding: batch norm normalises with batch statistics in training (batch) or with its running ones (frozen).")
    var bnStatistics: BatchNormStatistics = .batch

    @Option(help: "lsq/lsq-bn: learned steps start at the least-error step of the first batch (min-error) or at the LSQ paper's 2·mean|v|/√Qp (paper).")
    var lsqStart: LSQStart = .minError

    @Option(help: "Epochs: of fine-tuning (qat/lsq; 0 = post-training quantisation on the same grid), per INQ round, or of the SQS search.")
    var epochs: Int = 3

    @Option(help: "SQS: epochs of fine-tuning after the widths and masks are fixed.")
    var finetuneEpochs: Int = 2

    @Option(help: "INQ: accumulated portions of quantised weights, comma-separated, ending at 1.")
    var inqPortions: String = "0.5,0.75,0.875,1"

    @Option(help: "SQS: starting sparsity of every layer (0.01…0.99).")
    var initialSparsity: Double = 0.1

    @Option(help: "SQS: weight of the storage term that pushes towards sparser, narrower layers.")
    var storageWeight: Float = 0.5

    @Option(help: "SQS: L1 weight on the weights.")
    var l1: Float = 1e-5

    @Option(help: "SGD learning rate of the weights.")
    var learningRate: Float = 0.005

    @Option(help: ArgumentHelp("Output: FILE.safetensors or a directory.", valueName: "path"))
    var out: String?

    @Flag(help: "Continue an interrupted run from its checkpoints.")
    var resume = false

    @Option(help: "Threads.")
    var threads: Int = 2

    @OptionGroup var output: OutputOptions

    var portions: [Double] { inqPortions.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        if report != nil {
            guard model == nil, method == nil else { throw ValidationError("--report takes only the compressed file (and --data, --original, --repeats).") }
            guard (1...50).contains(repeats) else { throw ValidationError("--repeats must be 1…50.") }
            guard original == nil || !data.isEmpty else { throw ValidationError("--original needs --data to time the models on.") }
            return
        }
        guard model != nil else { throw ValidationError("Give the trained model to compress (or --report FILE).") }
        guard let method else { throw ValidationError("Give --method (\(Method.allCases.map(\.rawValue).joined(separator: ", "))).") }
        guard out != nil else { throw ValidationError("Give --out (FILE.safetensors or a directory).") }
        guard (2...8).contains(weightBits), (2...8).contains(activationBits) else { throw ValidationError("--weight-bits and --activation-bits must be 2…8.") }
        let fewestEpochs = method == .inq || method == .sqs ? 1 : 0   // qat/lsq with 0 epochs: post-training quantisation
        guard (fewestEpochs...1000).contains(epochs), (0...1000).contains(finetuneEpochs) else {
            throw ValidationError("--epochs must be \(fewestEpochs)…1000 and --finetune-epochs 0…1000.")
        }
        guard learningRate > 0 && learningRate < 1 else { throw ValidationError("--learning-rate must be within (0, 1).") }
        guard !data.isEmpty else { throw ValidationError("Give at least one --data path.") }
        if method == .inq {
            let p = portions
            guard p.count == inqPortions.split(separator: ",").count, !p.isEmpty, p.last == 1, zip(p, p.dropFirst()).allSatisfy({ $0 < $1 }),
                  p.allSatisfy({ $0 > 0 && $0 <= 1 }) else {
                throw ValidationError("--inq-portions must be increasing numbers in (0, 1] ending at 1, e.g. 0.5,0.75,0.875,1.")
            }
        }
        guard initialSparsity >= 0.01 && initialSparsity <= 0.99 else { throw ValidationError("--initial-sparsity must be within 0.01…0.99.") }
        guard storageWeight >= 0 && l1 >= 0 else { throw ValidationError("--storage-weight and --l1 must not be negative.") }
    }

    func run() throws {
        if let report {
            EngineThreads.set(threads)
            var summary = try CompressionReport.summary(file: report)
            if !data.isEmpty { try CompressionReport.measure(&summary, data: data, original: original, repeats: repeats) }
            try CompressionReport.print(summary, json: output.json)
            return
        }
        try CompressionRun(options: self).run()
    }
}

extension CompressionMethod: ExpressibleByArgument {}
