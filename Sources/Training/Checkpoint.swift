import Foundation
import Layers
import Models
import Optimizers
import SafeTensors
import Tensors

/// Progress of a training run, saved with every checkpoint so `--resume` continues exactly.
public struct TrainingProgress: Sendable, Equatable {
    /// Epochs completed.
    public var epoch: Int
    /// Optimizer steps taken.
    public var step: Int
    /// State of the run's random generator (shuffling, augmentation, dropout seeds).
    public var randomState: UInt64
    /// Free-form facts to check on resume (e.g. a hash of the training configuration).
    public var notes: [String: String]
    /// Further training state as named tensors (e.g. a `WeightAverage`'s), saved under "extra.".
    public var tensors: [String: Tensor]

    public init(epoch: Int = 0, step: Int = 0, randomState: UInt64 = 0, notes: [String: String] = [:], tensors: [String: Tensor] = [:]) {
        self.epoch = epoch
        self.step = step
        self.randomState = randomState
        self.notes = notes
        self.tensors = tensors
    }
}

/// What went wrong reading or writing a checkpoint; names the file.
public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
}

/// Training checkpoints: model weights (engine layout), optimizer state, progress (and any
/// further tensors the progress carries) in one
/// safetensors file, written to a temporary file and renamed, so a kill at any moment leaves
/// either the previous checkpoint or the new one, never a broken file.
public enum Checkpoint {
    static let formatKey = "flytally.checkpoint"
    static let formatVersion = "1"
    static let extraPrefix = "extra."

    public static func save(model: Module, optimizer: Optimizer, progress: TrainingProgress, to path: String) throws(CheckpointError) {
        do {
            var file = try model.stateFile(layout: .ohwi, metadata: [:])
            // Re-home the model tensors under "model." and add the optimizer's under "optimizer.".
            var entries: [SafeTensorsEntry] = []
            for entry in file.entries {
                entries.append(try SafeTensorsEntry(name: "model." + entry.name, dtype: entry.dtype, shape: entry.shape,
                                                    data: entry.data))
            }
            for (key, tensor) in optimizer.state.sorted(by: { $0.key < $1.key }) {
                entries.append(try SafeTensorsEntry(name: "optimizer." + key, shape: tensor.shape, floats: tensor.scalars))
            }
            for (key, tensor) in progress.tensors.sorted(by: { $0.key < $1.key }) {
                entries.append(try SafeTensorsEntry(name: extraPrefix + key, shape: tensor.shape, floats: tensor.scalars))
            }
            var metadata = file.metadata
            metadata[formatKey] = formatVersion
            metadata["epoch"] = String(progress.epoch)
            metadata["step"] = String(progress.step)
            metadata["random_state"] = String(progress.randomState)
            metadata["optimizer"] = String(describing: type(of: optimizer))
            for (key, value) in progress.notes { metadata["note." + key] = value }
            file = try SafeTensorsFile(entries: entries, metadata: metadata)
            try file.write(path: path)
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(path: path, problem: "cannot write checkpoint: \(error)")
        }
    }

    /// Restores weights and optimizer state; returns the saved progress. Nothing is changed
    /// when the file does not fit the model (every problem names the tensor).
    public static func load(from path: String, into model: Module, optimizer: Optimizer) throws(CheckpointError) -> TrainingProgress {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile.read(path: path)
        } catch {
            throw CheckpointError(path: path, problem: "\(error)")
        }
        guard file.metadata[formatKey] == formatVersion else {
            throw CheckpointError(path: path, problem: "not a FlyTally checkpoint (metadata '\(formatKey)' is missing or not \(formatVersion))")
        }
        let optimizerName = String(describing: type(of: optimizer))
        if let saved = file.metadata["optimizer"], saved != optimizerName {
            throw CheckpointError(path: path, problem: "checkpoint was written by a \(saved) optimizer, this run uses \(optimizerName)")
        }
        guard let epoch = file.metadata["epoch"].flatMap(Int.init), let step = file.metadata["step"].flatMap(Int.init),
              let random = file.metadata["random_state"].flatMap(UInt64.init) else {
            throw CheckpointError(path: path, problem: "checkpoint metadata lacks epoch, step or random_state")
        }
        var optimizerState: [String: Tensor] = [:], extra: [String: Tensor] = [:]
        for entry in file.entries where entry.name.hasPrefix("optimizer.") || entry.name.hasPrefix(extraPrefix) {
            let tensor: Tensor
            do {
                tensor = Tensor(shape: entry.shape, scalars: try entry.floats())
            } catch {
                throw CheckpointError(path: path, problem: "tensor '\(entry.name)': \(error)")
            }
            if entry.name.hasPrefix(extraPrefix) {
                extra[String(entry.name.dropFirst(extraPrefix.count))] = tensor
            } else {
                optimizerState[String(entry.name.dropFirst("optimizer.".count))] = tensor
            }
        }
        do {
            try model.loadState(from: file, prefix: "model.", layout: .ohwi)
        } catch {
            throw CheckpointError(path: path, problem: "\(error)")
        }
        optimizer.load(state: optimizerState)
        var notes: [String: String] = [:]
        for (key, value) in file.metadata where key.hasPrefix("note.") { notes[String(key.dropFirst(5))] = value }
        return TrainingProgress(epoch: epoch, step: step, randomState: random, notes: notes, tensors: extra)
    }
}
