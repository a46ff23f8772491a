import ConsoleOutput
import Datasets
import Detector
import Foundation

/// `flytally train --detector`: the detector half of the train command.
extension Train {
    func trainDetector() throws {
        var recipe: DetectorRecipe
        do {
            recipe = try config.map { try DetectorRecipe.read(path: $0) } ?? DetectorRecipe()
        } catch {
            throw InputFailure("\(error)")
        }
        if let model {
            let strideInConfig = recipe.model.outputStride
            recipe.model = model == "accurate" ? .accurate : .fast
            recipe.model.outputStride = strideInConfig
            // An input size written in the config file wins over the variant's own (768 px for
            // accurate, 512 for fast); a config that leaves the model out keeps the variant's.
            if let config, let size = Self.inputSizeWritten(inConfig: config) { recipe.model.inputSize = size }
        }
        if let outputStride { recipe.model.outputStride = outputStride }
        if let seed { recipe.seed = seed }
        if let problem = recipe.problem { throw InputFailure("detector training config: \(problem)") }
        let (training, trainingProblems) = loadPhotos(data)
        let (validation, validationProblems) = loadPhotos(validationData)
        for problem in trainingProblems + validationProblems { StandardError.line("skipped: \(problem)") }
        guard !training.isEmpty else { throw InputFailure("no usable annotated photos in \(data.joined(separator: ", "))") }
        let checkpoint = try prepareOutputDirectory()
        let trainer = DetectorTrainer(recipe: recipe, training: training, validation: validation, checkpointPath: checkpoint)
        if let initFrom, !resume {
            do { try trainer.initialize(from: initFrom) } catch { throw InputFailure("\(error)") }
        }
        if resume {
            do { try trainer.resume() } catch { throw InputFailure("\(error)") }
            StandardError.line("resuming after epoch \(trainer.completedEpochs) of \(recipe.epochs)")
        }
        if !output.quiet {
            let flies = training.reduce(0) { $0 + $1.boxes.count }
            StandardError.line("training the \(recipe.model.variant.rawValue) detector (\(recipe.model.inputSize) px, stride \(recipe.model.outputStride)) on \(training.count) photos, \(flies) flies"
                + (validation.isEmpty ? "" : ", validating on \(validation.count) photos") + "; \(recipe.epochs) epochs of \(recipe.cropSize) px crops")
        }
        let progress = EpochProgress(directory: out, quiet: output.quiet, style: output.progressStyle)
        do {
            try trainer.run(report: { report in
                var line = String(format: "epoch %d/%d  loss %.4f (heat %.4f)  lr %.2g  %.1f img/s", report.epoch, recipe.epochs,
                                  report.loss, report.heatLoss, report.learningRate, report.imagesPerSecond)
                if let ap = report.validationAP50, let p = report.validationPrecision, let r = report.validationRecall {
                    line += String(format: "  val AP@0.5 %.4f  P %.2f%%  R %.2f%%", ap, 100 * p, 100 * r)
                }
                progress.epochDone(report, line: line)
            }, batchDone: { done, total in progress.batchDone(epoch: trainer.completedEpochs + 1, done: done, total: total) })
        } catch {
            throw InputFailure("\(error)")
        }
        let modelPath = (out as NSString).appendingPathComponent("model.safetensors")
        do {
            try DetectorModelFile.save(trainer.model, threshold: recipe.threshold, to: modelPath,
                                       extra: ["trained_on": "\(training.count) photos"])
        } catch {
            throw InputFailure("\(modelPath): cannot write model (\(error))")
        }
        print("model written to \(modelPath)")
    }

    func loadPhotos(_ paths: [String]) -> ([DetectorSample], [DatasetProblem]) {
        loadAll(paths) { DetectorSampleLoader.load($0) }
    }

    /// `model.inputSize` as written in a detector config file, or nil when the file does not set it.
    static func inputSizeWritten(inConfig path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = object["model"] as? [String: Any] else { return nil }
        return model["inputSize"] as? Int
    }
}
