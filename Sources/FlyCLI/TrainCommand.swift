import ArgumentParser
import ConsoleOutput
import Datasets
import Foundation
import TensorKernels
import Traits

/// `flytally train`: train the trait classifier.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the trait classifier (keypoint-assisted MobileNetV3) on labelled fly crops.",
        discussion: """
            --data takes crop directories (crops.csv + images, as `flytally simulate --crops` \
            writes) or annotated photo sets (COCO / YOLO / VOC; flies are cropped in memory). \
            A checkpoint is written after every epoch to OUT/checkpoint.safetensors; --resume \
            continues exactly where it stopped. The trained model is OUT/model.safetensors and \
            the per-epoch log OUT/log.jsonl. Training stops with a message on a NaN/Inf loss and \
            keeps the last good checkpoint.
            """)

    @Option(help: ArgumentHelp("Training config (JSON, see docs/TRAINING.md); defaults otherwise.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("data"), parsing: .upToNextOption, help: "Training data (one or more paths).")
    var data: [String]

    @Option(name: .customLong("validation"), parsing: .upToNextOption, help: "Validation data (evaluated after each epoch).")
    var validationData: [String] = []

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String

    @Flag(help: "Continue from OUT/checkpoint.safetensors.")
    var resume = false

    @Flag(name: .customLong("no-keypoints"), help: "Train the plain multi-label model (no keypoint head), for comparison.")
    var noKeypoints = false

    @Option(name: .customLong("keypoint-head"), help: ArgumentHelp("Override the keypoint head: regression (nine values from the pooled features), heatmap (positions by soft-argmax of maps on the stride-16 features), heatmap-moments (the wing-tip code too, from the wing map's moments) or heatmap-pair (one map per wing tip, matched order-free); the map heads quantise to fp16 and static-int8.", valueName: "regression|heatmap|heatmap-moments|heatmap-pair"))
    var keypointHead: String?

    @Option(help: "Override the number of progressive stages.")
    var stages: Int?

    @Option(name: .customLong("epochs-per-stage"), help: "Override epochs per stage.")
    var epochsPerStage: Int?

    @Flag(help: "Train the fly detector (on annotated photo sets) instead of the trait classifier.")
    var detector = false

    @Option(name: .customLong("init-from"), help: ArgumentHelp("--detector: start from a detector (all weights) or a trait classifier of the same variant (backbone only).", valueName: "file"))
    var initFrom: String?

    @Option(help: "Override the config's random seed (initialisation, shuffling, augmentation, dropout), e.g. to repeat a run with another seed.")
    var seed: UInt64?

    @Option(help: "Override the model: small or large (trait classifier), fast or accurate (--detector).")
    var model: String?

    @Option(name: .customLong("output-stride"), help: ArgumentHelp("--detector: stride of the heat map, 8 (default) or 4 (finer, for small touching flies; --init-from a stride-8 detector keeps all its weights).", valueName: "4|8"))
    var outputStride: Int?

    @Option(help: "Threads.")
    var threads: Int = 2

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("Give at least one --data path.") }
        if let stages, stages < 1 { throw ValidationError("--stages must be at least 1.") }
        if let epochsPerStage, epochsPerStage < 1 { throw ValidationError("--epochs-per-stage must be at least 1.") }
        if detector {
            if let model, model != "fast" && model != "accurate" { throw ValidationError("--model must be fast or accurate with --detector.") }
            if noKeypoints || stages != nil || epochsPerStage != nil || keypointHead != nil {
                throw ValidationError("--no-keypoints, --keypoint-head, --stages and --epochs-per-stage are trait-classifier options; the detector's are in its config file.")
            }
            if let outputStride, ![4, 8].contains(outputStride) { throw ValidationError("--output-stride must be 4 or 8.") }
        } else if initFrom != nil || outputStride != nil {
            throw ValidationError("--init-from and --output-stride apply to --detector training.")
        } else if let model, model != "small" && model != "large" {
            throw ValidationError("--model must be small or large.")
        } else if let keypointHead, TraitClassifierConfiguration.KeypointHead(rawValue: keypointHead) == nil {
            throw ValidationError("--keypoint-head must be regression, heatmap, heatmap-moments or heatmap-pair (got '\(keypointHead)').")
        } else if let keypointHead, keypointHead != "regression" && noKeypoints {
            throw ValidationError("--keypoint-head \(keypointHead) needs the keypoints: not with --no-keypoints.")
        }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256.") }
    }

    func run() throws {
        EngineThreads.set(threads)
        if detector { return try trainDetector() }
        var recipe: TrainingRecipe
        do {
            recipe = try config.map { try TrainingRecipe.read(path: $0) } ?? TrainingRecipe()
        } catch {
            throw InputFailure("\(error)")
        }
        if noKeypoints { recipe.model.keypoints = false }
        if let stages { recipe.stages = stages }
        if let epochsPerStage { recipe.epochsPerStage = epochsPerStage }
        if let seed { recipe.seed = seed }
        if let model { recipe.model.variant = model == "large" ? .large : .small }
        if let keypointHead { recipe.model.keypointHead = TraitClassifierConfiguration.KeypointHead(rawValue: keypointHead)! }
        recipe.model.inputSize = recipe.endSize
        if let problem = recipe.problem { throw InputFailure("training config: \(problem)") }

        // Training photos keep room around each fly for framingJitter; validation crops are cut
        // as `count` cuts them.
        let (training, trainingProblems) = loadSamples(data, margin: recipe.trainingMargin)
        let (validation, validationProblems) = loadSamples(validationData)
        for problem in trainingProblems + validationProblems { StandardError.line("skipped: \(problem)") }
        guard !training.isEmpty else { throw InputFailure("no usable training samples in \(data.joined(separator: ", "))") }
        let checkpoint = try prepareOutputDirectory()
        let trainer = TraitTrainer(recipe: recipe, training: training, validation: validation, checkpointPath: checkpoint)
        if resume {
            do { try trainer.resume() } catch { throw InputFailure("\(error)") }
            StandardError.line("resuming after epoch \(trainer.completedEpochs) of \(recipe.totalEpochs)")
        }
        if !output.quiet {
            let pseudo = training.filter(\.pseudoLabelled).count
            StandardError.line("training \(recipe.model.variant.rawValue) ×\(recipe.model.widthMultiplier) on \(training.count) crops"
                + (pseudo > 0 ? " (\(pseudo) pseudo-labelled)" : "")
                + (validation.isEmpty ? "" : ", validating on \(validation.count)") + "; \(recipe.totalEpochs) epochs")
        }
        let progress = EpochProgress(directory: out, quiet: output.quiet, style: output.progressStyle)
        do {
            try trainer.run(report: { report in
                var line = String(format: "epoch %d/%d  %@  %dpx  loss %.4f  %.0f img/s", report.epoch, recipe.totalEpochs,
                                  report.phase as NSString, report.size, report.loss, report.imagesPerSecond)
                if let acc = report.validationAccuracy {
                    line += "  val eye/wing/sex " + acc.map { $0.isFinite ? String(format: "%.1f%%", 100 * $0) : "n/a" }.joined(separator: " / ")
                }
                if let k = report.keypointErrorPercent { line += String(format: "  kp %.2f%%", k) }
                progress.epochDone(report, line: line)
            }, batchDone: { done, total in progress.batchDone(epoch: trainer.completedEpochs + 1, done: done, total: total) })
        } catch {
            throw InputFailure("\(error)")
        }
        let modelPath = (out as NSString).appendingPathComponent("model.safetensors")
        do {
            try TraitModelFile.save(trainer.model, to: modelPath, extra: ["trained_on": "\(training.count) crops"])
        } catch {
            throw InputFailure("\(modelPath): cannot write model (\(error))")
        }
        print("model written to \(modelPath)")
    }

    /// Creates OUT and returns the checkpoint path; refuses to overwrite a checkpoint without --resume.
    func prepareOutputDirectory() throws -> String { try prepareCheckpointDirectory(out, resume: resume) }

    func loadSamples(_ paths: [String], margin: Double = CropFraming.standardMargin) -> ([TraitSample], [DatasetProblem]) {
        loadAll(paths) { TraitSampleLoader.load($0, margin: margin) }
    }
}

/// Creates `out` and returns its checkpoint path; refuses to overwrite a checkpoint without
/// --resume (training and compression runs alike).
func prepareCheckpointDirectory(_ out: String, resume: Bool) throws -> String {
    do {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
        throw InputFailure("\(out): cannot create output directory (\(error.localizedDescription))")
    }
    let checkpoint = (out as NSString).appendingPathComponent("checkpoint.safetensors")
    if !resume && FileManager.default.fileExists(atPath: checkpoint) {
        throw InputFailure("\(checkpoint) exists: add --resume to continue it, or choose another --out")
    }
    return checkpoint
}

/// Samples and problems of several data paths, in order.
func loadAll<Sample>(_ paths: [String], _ load: (String) -> ([Sample], [DatasetProblem])) -> ([Sample], [DatasetProblem]) {
    var samples: [Sample] = [], problems: [DatasetProblem] = []
    for path in paths {
        let (s, p) = load(path)
        samples += s
        problems += p
    }
    return (samples, problems)
}

/// Output of a training run between epochs: a progress bar over each epoch's batches, then the
/// epoch's record appended to OUT/log.jsonl and its summary line on standard error.
final class EpochProgress {
    let logPath: String
    let quiet: Bool
    let style: ProgressStyle
    var bar: ProgressBar?

    init(directory: String, quiet: Bool, style: ProgressStyle) {
        logPath = (directory as NSString).appendingPathComponent("log.jsonl")
        self.quiet = quiet
        self.style = style
    }

    /// The trainers report done = 0 before an epoch's first batch: the bar starts its clock
    /// there, so its rate and ETA count the first batch's time too.
    func batchDone(epoch: Int, done: Int, total: Int) {
        if bar == nil { bar = ProgressBar(title: "epoch \(epoch)", total: total, unit: "batches", style: style) }
        if done > 0 { bar?.advance() }
    }

    func epochDone<R: Encodable>(_ report: R, line: String) {
        bar?.finish()
        bar = nil
        appendLog(report, to: logPath)
        if !quiet { StandardError.line(line) }
    }
}

func appendLog<T: Encodable>(_ record: T, to path: String) {
    guard let data = try? JSONEncoder().encode(record) else { return }
    if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    if let handle = FileHandle(forWritingAtPath: path) {
        handle.seekToEndOfFile()
        handle.write(data + Data("\n".utf8))
        try? handle.close()
    }
}
