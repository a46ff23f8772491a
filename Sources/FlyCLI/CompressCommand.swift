import ArgumentParser
import Autograd
import ConsoleOutput
import Foundation
import Layers
import TensorKernels
import Traits

/// `flytally compress`: compression-aware fine-tuning of a trained trait classifier. So far
/// plain QAT (min-max weights, moving-average activations) and LSQ (learned step sizes); the
/// other methods of the [compress] issue are not built yet.
struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a trained trait classifier with fake quantisation (QAT or LSQ).",
        discussion: """
            Attaches fake quantisers (weights per output channel, activations per tensor) where an \
            integer plan quantises, fine-tunes for --epochs at --learning-rate (checkpoint every \
            epoch; --resume continues), reports the fake-quantised validation accuracy, and writes \
            OUT/model.safetensors — the fine-tuned float weights, ready for `flytally quantize`.
            """)

    enum Method: String, ExpressibleByArgument, CaseIterable { case qat, lsq }

    @Argument(help: "Trained float trait classifier.")
    var model: String

    @Option(help: "qat (min-max weights, moving-average activations) or lsq (learned step sizes).")
    var method: Method

    @Option(name: .customLong("data"), parsing: .upToNextOption, help: "Training data (one or more paths).")
    var data: [String]

    @Option(name: .customLong("validation"), parsing: .upToNextOption, help: "Validation data (evaluated after each epoch).")
    var validationData: [String] = []

    @Option(help: "Weight bits (2…8).")
    var weightBits: Int = 8

    @Option(help: "Activation bits (2…8).")
    var activationBits: Int = 8

    @Option(help: "Fine-tuning epochs.")
    var epochs: Int = 3

    @Option(help: "SGD learning rate.")
    var learningRate: Float = 0.005

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String

    @Flag(help: "Continue from OUT/checkpoint.safetensors.")
    var resume = false

    @Option(help: "Threads.")
    var threads: Int = 2

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (2...8).contains(weightBits), (2...8).contains(activationBits) else { throw ValidationError("--weight-bits and --activation-bits must be 2…8.") }
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be 1…1000.") }
        guard learningRate > 0 && learningRate < 1 else { throw ValidationError("--learning-rate must be within (0, 1).") }
        guard !data.isEmpty else { throw ValidationError("Give at least one --data path.") }
    }

    func run() throws {
        EngineThreads.set(threads)
        let classifier: TraitClassifier
        do { classifier = try TraitModelFile.load(model) } catch { throw InputFailure("\(error)") }
        if let q = classifier.quantization { throw InputFailure("\(model): already quantised (\(q.scheme.rawValue)); compress the float model") }
        let (training, problems) = loadAll(data) { TraitSampleLoader.load($0) }
        let (validation, validationProblems) = loadAll(validationData) { TraitSampleLoader.load($0) }
        for problem in problems + validationProblems { StandardError.line("skipped: \(problem)") }
        guard !training.isEmpty else { throw InputFailure("no usable training samples in \(data.joined(separator: ", "))") }
        let checkpoint = try prepareCheckpointDirectory(out, resume: resume)

        // A short, gentle recipe at the model's own input size: one stage, no keypoint/head phases.
        var recipe = TrainingRecipe()
        recipe.model = classifier.configuration
        recipe.stages = 1; recipe.epochsPerStage = epochs
        recipe.startSize = classifier.configuration.inputSize; recipe.endSize = classifier.configuration.inputSize
        recipe.startOps = 2; recipe.endOps = 2; recipe.startMagnitude = 30; recipe.endMagnitude = 30
        recipe.learningRate = learningRate; recipe.keypointPhaseShare = 0; recipe.headPhaseShare = 0
        if let problem = recipe.problem { throw InputFailure("compression recipe: \(problem)") }

        QuantizationAwareness.attach(to: classifier, .init(weightBits: weightBits, activationBits: activationBits, learned: method == .lsq))
        initialiseQuantizers(classifier, with: training)
        let trainer = TraitTrainer(recipe: recipe, model: classifier, training: training, validation: validation, checkpointPath: checkpoint)
        if resume {
            do { try trainer.resume() } catch { throw InputFailure("\(error)") }
            StandardError.line("resuming after epoch \(trainer.completedEpochs) of \(recipe.totalEpochs)")
        }
        let progress = EpochProgress(directory: out, quiet: output.quiet, style: output.progressStyle)
        do {
            try trainer.run(report: { report in
                var line = String(format: "epoch %d/%d  loss %.4f  %.0f img/s", report.epoch, recipe.totalEpochs, report.loss, report.imagesPerSecond)
                if let acc = report.validationAccuracy {
                    line += "  fake-quantised val eye/wing/sex " + acc.map { $0.isFinite ? String(format: "%.1f%%", 100 * $0) : "n/a" }.joined(separator: " / ")
                }
                progress.epochDone(report, line: line)
            }, batchDone: { _, total in progress.batchDone(epoch: trainer.completedEpochs + 1, total: total) })
        } catch {
            throw InputFailure("\(error)")
        }
        if !validation.isEmpty {
            let metrics = TraitEvaluator.evaluate(classifier, samples: validation)
            print("\(method.rawValue) W\(weightBits)/A\(activationBits), fake-quantised, on \(validation.count) validation crops:")
            print(metrics.text, terminator: "")
        }
        QuantizationAwareness.detach(from: classifier)
        let modelPath = (out as NSString).appendingPathComponent("model.safetensors")
        do {
            try TraitModelFile.save(classifier, to: modelPath, extra: ["compressed": "\(method.rawValue) W\(weightBits)/A\(activationBits)",
                                                                     "compressed_from": (model as NSString).lastPathComponent])
        } catch {
            throw InputFailure("\(modelPath): cannot write model (\(error))")
        }
        print("fine-tuned float weights written to \(modelPath) (next: flytally quantize \(modelPath) --scheme static-int8 --calibration …)")
    }

    /// One forward pass over a few training crops so learned steps and moving-average ranges
    /// exist before the optimiser is built (and before a checkpoint is loaded into them). The
    /// network stays in eval mode (batch-norm statistics untouched); the quantisers see the
    /// batch as in training.
    func initialiseQuantizers(_ model: TraitClassifier, with samples: [TraitSample]) {
        model.eval()
        func visit(_ module: Module) {
            for (_, q) in module.attachedQuantizers { q.train(true) }
            for (_, child) in module.children { visit(child) }
        }
        visit(model)
        let crops = samples.prefix(32).map(\.image)
        _ = GradientRecording.withoutGradients {
            model(Variable(TraitPredictor.inputTensor(crops, side: model.configuration.inputSize)))
        }
        model.eval()
    }
}
