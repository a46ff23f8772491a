import Autograd
import Foundation
import Models
import Optimizers
import Tensors
import Training

/// Training and evaluation of a MobileNetV3 on `SyntheticShapes`: SGD with momentum, cosine
/// learning rate over the phase, softmax cross-entropy, a checkpoint after every epoch (a
/// phase resumes from it).
struct ShapeTraining {
    var batchSize = 64
    var momentum: Float = 0.9
    var weightDecay: Float = 4e-5
    var seed: UInt64 = 1

    func train(_ model: MobileNetV3, on set: SyntheticShapes.Set, epochs: Int, learningRate: Float, checkpoint: String,
               log: (String) -> Void) throws {
        let optimizer = SGD(groups: [ParameterGroup(model.parameters, weightDecay: weightDecay)], learningRate: learningRate, momentum: momentum)
        var completed = 0
        if FileManager.default.fileExists(atPath: checkpoint) {
            completed = try Checkpoint.load(from: checkpoint, into: model, optimizer: optimizer).epoch
        }
        var step = 0
        while completed < epochs {
            let started = Date()
            model.train()
            // Cosine schedule over the phase, per epoch.
            optimizer.learningRate = learningRate * 0.5 * (1 + Float(cos(Double.pi * Double(completed) / Double(epochs))))
            var rng = RandomSource(seed: seed &+ UInt64(completed) &* 7919)
            var order = Array(0..<set.count)
            order.shuffle(using: &rng)
            var lossSum = 0.0, batches = 0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let (x, labels) = set.batch(Array(order[start..<min(start + batchSize, order.count)]))
                optimizer.zeroGrad()
                let loss = Loss.softmaxCrossEntropy(model(Variable(x)), labels: labels)
                loss.backward()
                try NonFiniteGuard.check(loss: loss, parameters: model.namedParameters(), step: step)
                optimizer.step()
                step += 1
                lossSum += Double(loss.value.scalars[0])
                batches += 1
            }
            completed += 1
            try Checkpoint.save(model: model, optimizer: optimizer, progress: TrainingProgress(epoch: completed, step: step, randomState: 0, notes: [:]),
                                to: checkpoint)
            log(String(format: "  epoch %d/%d  loss %.4f  %.0f img/s", completed, epochs, lossSum / Double(max(batches, 1)),
                       Double(set.count) / Date().timeIntervalSince(started)))
        }
    }

    /// Top-1 accuracy (eval mode; attached quantisers apply) and images per second: the median
    /// of `repeats` passes.
    func evaluate(_ model: MobileNetV3, on set: SyntheticShapes.Set, repeats: Int = 1) -> (accuracy: Double, imagesPerSecond: Double) {
        var speeds: [Double] = []
        var accuracy = 0.0
        for _ in 0..<repeats {
            let started = Date()
            accuracy = evaluateOnce(model, on: set)
            speeds.append(Double(set.count) / Date().timeIntervalSince(started))
        }
        return (accuracy, speeds.sorted()[speeds.count / 2])
    }

    func evaluateOnce(_ model: MobileNetV3, on set: SyntheticShapes.Set) -> Double {
        model.eval()
        var correct = 0
        GradientRecording.withoutGradients {
            for start in stride(from: 0, to: set.count, by: 250) {
                let (x, labels) = set.batch(Array(start..<min(start + 250, set.count)))
                let logits = model(Variable(x)).value
                let classes = logits.shape[1]
                for (i, label) in labels.enumerated() {
                    let row = logits.scalars[(i * classes)..<((i + 1) * classes)]
                    if row.indices.max(by: { row[$0] < row[$1] })! - i * classes == label { correct += 1 }
                }
            }
        }
        return Double(correct) / Double(set.count)
    }
}
