import Autograd
import Compression
import ConsoleOutput
import Foundation
import Layers
import Quantization
import SafeTensors
import TensorKernels
import Traits

/// One `flytally compress` run: attach the method's quantisers, fine-tune (in phases for INQ
/// rounds and the SQS search/fine-tune), evaluate, export the compressed file.
struct CompressionRun {
    let options: Compress
    var method: CompressionMethod { options.method! }

    var spec: CompressionSpec {
        var spec = CompressionSpec(method: method)
        spec.weightBits = options.weightBits
        spec.activationBits = options.activationBits
        spec.foldBatchNorm = options.bn == .fold
        spec.freezeBatchNormStatistics = options.bnStatistics == .frozen
        spec.lsqStart = options.lsqStart.initialisation
        spec.epochs = options.epochs
        spec.finetuneEpochs = options.finetuneEpochs
        spec.inqPortions = options.portions
        spec.sqs.initialSparsity = options.initialSparsity
        spec.sqs.storageWeight = options.storageWeight
        spec.sqs.l1 = options.l1
        return spec
    }

    /// Where the compressed file and the working files (checkpoints, log, float weights) go.
    var paths: (work: String, compressed: String) {
        let out = options.out!
        if out.hasSuffix(".safetensors") { return (String(out.dropLast(".safetensors".count)) + ".work", out) }
        return (out, (out as NSString).appendingPathComponent("compressed.safetensors"))
    }

    func run() throws {
        EngineThreads.set(options.threads)
        let modelPath = options.model!
        let classifier: TraitClassifier
        do { classifier = try TraitModelFile.load(modelPath) } catch { throw InputFailure("\(error)") }
        if let q = classifier.quantization { throw InputFailure("\(modelPath): already quantised (\(q.scheme.rawValue)); compress the float model") }
        let (training, problems) = loadAll(options.data) { TraitSampleLoader.load($0) }
        let (validation, validationProblems) = loadAll(options.validationData) { TraitSampleLoader.load($0) }
        for problem in problems + validationProblems { StandardError.line("skipped: \(problem)") }
        guard !training.isEmpty else { throw InputFailure("no usable training samples in \(options.data.joined(separator: ", "))") }
        let (work, compressedPath) = paths
        try prepareWorkDirectory(work)

        let originalBytes: Int
        do { originalBytes = try classifier.stateFile(layout: .ohwi).encode().count } catch { throw InputFailure("\(modelPath): \(error)") }
        let floatStarted = Date()
        let floatMetrics = validation.isEmpty ? nil : TraitEvaluator.evaluate(classifier, samples: validation)
        let floatImagesPerSecond = validation.isEmpty ? nil : Double(validation.count) / Date().timeIntervalSince(floatStarted)
        if let floatMetrics, !options.output.quiet { StandardError.line("fp32 validation eye/wing/sex " + percentages(floatMetrics)) }

        let phases = PhaseRunner(options: options, classifier: classifier, training: training, validation: validation, work: work)
        let quiet = options.output.quiet
        try CompressionProcedure.run(spec, on: classifier, initialise: phases.initialiseQuantizers,
                                     fineTune: { try phases.fineTune(epochs: $0, checkpoint: $1, title: $2) },
                                     log: { if !quiet { StandardError.line($0) } })

        let compressedMetrics = validation.isEmpty ? nil : TraitEvaluator.evaluate(classifier, samples: validation)
        let tensors: [String: CompressedTensor]
        do { tensors = try CompressionProcedure.finish(classifier) } catch { throw InputFailure("export: \(error)") }

        let floatPath = (work as NSString).appendingPathComponent("model.safetensors")
        var metadata = ["compression": "\(method.rawValue) \(spec.bitsLabel)", "compressed_from": (modelPath as NSString).lastPathComponent,
                        "original_bytes": String(originalBytes)]
        if let floatMetrics { metadata["fp32_accuracy"] = floatMetrics.traits.map { String($0.accuracy) }.joined(separator: ",") }
        if let compressedMetrics { metadata["accuracy"] = compressedMetrics.traits.map { String($0.accuracy) }.joined(separator: ",") }
        metadata["validation_samples"] = String(validation.count)
        do {
            try TraitModelFile.save(classifier, to: floatPath, extra: ["compressed": metadata["compression"]!])
            var state = try classifier.stateFile(layout: .ohwi)
            state.metadata = try SafeTensorsFile.read(path: floatPath).metadata
            let file = try CompressedModelFile.make(floatState: state, compressed: tensors, metadata: metadata)
            try file.write(path: compressedPath)
        } catch {
            throw InputFailure("\(compressedPath): cannot write the compressed model (\(error))")
        }
        if !options.output.quiet, let compressedMetrics {
            print("\(method.rawValue) \(spec.bitsLabel) on \(validation.count) validation crops (\(spec.quantizesActivations ? "weights and activations fake-quantised" : "compressed weights, float activations")):")
            print(compressedMetrics.text, terminator: "")
        }
        // The file as the runtime uses it: reloaded, decompressed, through the compiled fp32 plan.
        var summary = try CompressionReport.summary(file: compressedPath)
        if !validation.isEmpty { try CompressionReport.measure(&summary, samples: validation, float: nil, repeats: 1) }
        summary.fp32ImagesPerSecond = floatImagesPerSecond
        let resultPath = (work as NSString).appendingPathComponent("result.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try? encoder.encode(summary).write(to: URL(fileURLWithPath: resultPath))
        try CompressionReport.print(summary, json: options.output.json)
        if !options.output.quiet { print("compressed model: \(compressedPath)\nfloat weights as the compressed model computes them: \(floatPath)") }
    }

    func prepareWorkDirectory(_ work: String) throws {
        do { try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true) } catch {
            throw InputFailure("\(work): cannot create the working directory (\(error.localizedDescription))")
        }
        if !options.resume {
            let existing = ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []).filter { $0.hasSuffix(".checkpoint.safetensors") }
            if let first = existing.sorted().first {
                throw InputFailure("\((work as NSString).appendingPathComponent(first)) exists: add --resume to continue it, or choose another --out")
            }
        }
    }
}

func percentages(_ metrics: TraitMetrics) -> String {
    metrics.traits.map { $0.accuracy.isFinite ? String(format: "%.2f%%", 100 * $0.accuracy) : "n/a" }.joined(separator: " / ")
}

/// Runs the fine-tuning phases of a compression run with a shared short recipe.
struct PhaseRunner {
    let options: Compress
    let classifier: TraitClassifier
    let training: [TraitSample]
    let validation: [TraitSample]
    let work: String

    /// A gentle one-stage recipe at the model's own input size: no keypoint/head phases.
    func recipe(epochs: Int) throws -> TrainingRecipe {
        var recipe = TrainingRecipe()
        recipe.model = classifier.configuration
        recipe.stages = 1; recipe.epochsPerStage = epochs
        recipe.startSize = classifier.configuration.inputSize; recipe.endSize = classifier.configuration.inputSize
        recipe.startOps = 2; recipe.endOps = 2; recipe.startMagnitude = 30; recipe.endMagnitude = 30
        recipe.learningRate = options.learningRate; recipe.keypointPhaseShare = 0; recipe.headPhaseShare = 0
        if let problem = recipe.problem { throw InputFailure("compression recipe: \(problem)") }
        return recipe
    }

    /// One phase: trains `epochs` epochs with a checkpoint at WORK/<checkpoint>.checkpoint.safetensors
    /// (continued when it exists and --resume was given; a finished phase is skipped).
    func fineTune(epochs: Int, checkpoint: String, title: String) throws {
        let recipe = try recipe(epochs: epochs)
        let path = (work as NSString).appendingPathComponent(checkpoint + ".checkpoint.safetensors")
        let trainer = TraitTrainer(recipe: recipe, model: classifier, training: training, validation: validation, checkpointPath: path)
        if options.resume && FileManager.default.fileExists(atPath: path) {
            do { try trainer.resume() } catch { throw InputFailure("\(error)") }
            if !options.output.quiet { StandardError.line("\(title): resuming after epoch \(trainer.completedEpochs) of \(recipe.totalEpochs)") }
        }
        let progress = EpochProgress(directory: work, quiet: options.output.quiet, style: options.output.progressStyle)
        do {
            try trainer.run(report: { report in
                var line = String(format: "%@ epoch %d/%d  loss %.4f  %.0f img/s", title, report.epoch, recipe.totalEpochs, report.loss, report.imagesPerSecond)
                if let acc = report.validationAccuracy {
                    line += "  val eye/wing/sex " + acc.map { $0.isFinite ? String(format: "%.1f%%", 100 * $0) : "n/a" }.joined(separator: " / ")
                }
                progress.epochDone(report, line: line)
            }, batchDone: { done, total in progress.batchDone(epoch: trainer.completedEpochs + 1, done: done, total: total) })
        } catch {
            throw InputFailure("\(error)")
        }
    }

    /// Learned steps and moving-average ranges from the first 32 training crops.
    func initialiseQuantizers() {
        let crops = training.prefix(32).map(\.image)
        CompressionAttachment.initialiseQuantizers(in: classifier, with: TraitPredictor.inputTensor(crops, side: classifier.configuration.inputSize))
    }
}
