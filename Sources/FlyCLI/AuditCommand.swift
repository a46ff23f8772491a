import ArgumentParser
import ConsoleOutput
import Datasets
import Foundation
import ImageIO
import TensorKernels
import Traits

/// `flytally audit`: rank labelled samples by how much held-out models disagree with them.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find likely label mistakes: k-fold models score every sample they did not train on.",
        discussion: """
            DATASET is what `flytally train --data` takes (crop directories or annotated photo \
            sets). Without --models, the samples are split into k folds (seeded) and k models \
            are trained with the training config (OUT/fold-N/, resumable), each scoring the fold \
            it did not see. With --models, the given models score every sample (their mean \
            probability). OUT/audit.csv ranks samples by the cross-entropy of their labels \
            under that prediction, worst first; OUT/suspects.png shows the top suspects.
            """)

    @Argument(help: "Labelled data (one or more paths).")
    var dataset: [String]

    @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
    var out: String

    @Option(help: "Folds (models to train).")
    var folds = 5

    @Option(parsing: .upToNextOption, help: "Score with these trained models instead of training fold models.")
    var models: [String] = []

    @Option(help: ArgumentHelp("Training config for the fold models (JSON, as for flytally train).", valueName: "file"))
    var config: String?

    @Option(help: "Suspects shown in suspects.png.")
    var top = 48

    @Option(help: "Threads.")
    var threads = 2

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !dataset.isEmpty else { throw ValidationError("Give at least one data path.") }
        guard (2...20).contains(folds) else { throw ValidationError("--folds must be 2…20.") }
        guard (1...1000).contains(top) else { throw ValidationError("--top must be 1…1000.") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256.") }
    }

    func run() throws {
        EngineThreads.set(threads)
        let (samples, problems) = loadAll(dataset) { TraitSampleLoader.load($0) }
        for p in problems { StandardError.line("skipped: \(p)") }
        guard samples.count >= 2 else { throw InputFailure("an audit needs labelled samples; found \(samples.count) in \(dataset.joined(separator: ", "))") }
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw InputFailure("\(out): cannot create output directory (\(error.localizedDescription))")
        }
        let probabilities = models.isEmpty ? try foldPredictions(samples) : try ensemblePredictions(samples)
        let entries = LabelAudit.rank(samples: samples, probabilities: probabilities)
        let csvPath = (out as NSString).appendingPathComponent("audit.csv")
        do { try Data(LabelAudit.csv(entries).utf8).write(to: URL(fileURLWithPath: csvPath), options: .atomic) } catch {
            throw InputFailure("\(csvPath): cannot write (\(error.localizedDescription))")
        }
        let bySource = Dictionary(samples.map { ($0.source, $0.image) }, uniquingKeysWith: { a, _ in a })
        let suspects = entries.prefix(top).compactMap { e -> (image: RGBImage, caption: String)? in
            guard let image = bySource[e.source] else { return nil }
            let label = e.labels.compactMap { $0 }.joined(separator: " ")
            return (image, "\(e.source): \(label); model disagrees on \(e.disagreements.isEmpty ? "nothing" : e.disagreements.joined(separator: ", "))")
        }
        let sheetPath = (out as NSString).appendingPathComponent("suspects.png")
        do { try ImageEncoder.write(DatasetPlots.contactSheet(suspects, columns: 6, cellWidth: 160), to: sheetPath) } catch {
            throw InputFailure("\(error)")
        }
        if !output.quiet {
            let flagged = entries.filter { !$0.disagreements.isEmpty }.count
            print("\(samples.count) samples audited; \(flagged) contradicted by the held-out prediction")
            print("ranking: \(csvPath)\nsuspects: \(sheetPath)")
        }
        if !problems.isEmpty { throw BatchHadProblems() }
    }

    func ensemblePredictions(_ samples: [TraitSample]) throws -> [[Float]] {
        var loaded: [TraitClassifier] = []
        for path in models {
            do { loaded.append(try TraitModelFile.load(path)) } catch { throw InputFailure("\(error)") }
        }
        return TraitEvaluator.meanProbabilities(loaded, crops: samples.map(\.image))
    }

    func foldPredictions(_ samples: [TraitSample]) throws -> [[Float]] {
        guard samples.count >= folds else { throw InputFailure("--folds \(folds) needs at least \(folds) samples; found \(samples.count)") }
        var recipe: TrainingRecipe
        do { recipe = try config.map { try TrainingRecipe.read(path: $0) } ?? TrainingRecipe() } catch { throw InputFailure("\(error)") }
        recipe.model.inputSize = recipe.endSize
        let fold = LabelAudit.folds(count: samples.count, k: folds, seed: recipe.seed)
        var predictions = [[Float]](repeating: [0.5, 0.5, 0.5], count: samples.count)
        for k in 0..<folds {
            let dir = (out as NSString).appendingPathComponent("fold-\(k + 1)")
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let training = samples.indices.filter { fold[$0] != k }.map { samples[$0] }
            let heldOut = samples.indices.filter { fold[$0] == k }
            let modelPath = (dir as NSString).appendingPathComponent("model.safetensors")
            let model: TraitClassifier
            if let done = try? TraitModelFile.load(modelPath) {
                model = done   // finished in an earlier run
            } else {
                let checkpoint = (dir as NSString).appendingPathComponent("checkpoint.safetensors")
                let trainer = TraitTrainer(recipe: recipe, training: training, validation: [], checkpointPath: checkpoint)
                if FileManager.default.fileExists(atPath: checkpoint) {
                    do { try trainer.resume() } catch { throw InputFailure("\(error)") }
                }
                let bar = ProgressBar(title: "fold \(k + 1)/\(folds)", total: recipe.totalEpochs, unit: "epochs", style: output.progressStyle)
                for _ in 0..<trainer.completedEpochs { bar.advance() }
                do { try trainer.run(report: { _ in bar.advance() }) } catch { throw InputFailure("\(error)") }
                bar.finish()
                do { try TraitModelFile.save(trainer.model, to: modelPath) } catch { throw InputFailure("\(modelPath): \(error)") }
                model = trainer.model
            }
            for (i, p) in zip(heldOut, TraitEvaluator.predict(model, crops: heldOut.map { samples[$0].image })) {
                predictions[i] = p.probabilities
            }
        }
        return predictions
    }
}
