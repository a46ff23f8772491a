import Autograd
import Layers
import Optimizers
import Tensors
import Testing

/// End to end: a small CNN learns a synthetic two-class image task (a horizontal vs a
/// vertical bar at a random place, with noise; position-free, as global pooling requires) to
/// at least 95 % held-out accuracy in a few seconds.
@Suite struct LearningTests {
    static func batch(_ count: Int, rng: inout RandomSource) -> (Tensor, [Float]) {
        var images = Tensor(shape: [count, 12, 12, 1])
        var labels = [Float]()
        for n in 0..<count {
            let vertical = rng.uniform() < 0.5
            labels.append(vertical ? 1 : 0)
            let cx = Int(rng.uniform(3, 9)), cy = Int(rng.uniform(3, 9))
            for y in 0..<12 {
                for x in 0..<12 {
                    let onBar = vertical ? (x == cx && abs(y - cy) <= 3) : (y == cy && abs(x - cx) <= 3)
                    images.scalars[((n * 12 + y) * 12 + x)] = (onBar ? 1 : 0) + 0.3 * rng.normal()
                }
            }
        }
        return (images, labels)
    }

    @Test func smallCNNLearnsTwoClasses() {
        var rng = RandomSource(seed: 42)
        let model = Sequential([
            Conv2D(inChannels: 1, outChannels: 8, kernel: 3, padding: 1, rng: &rng),
            BatchNorm2D(channels: 8), Activation(.relu),
            Conv2D(inChannels: 8, outChannels: 8, kernel: 3, padding: 1, groups: 8, rng: &rng),
            BatchNorm2D(channels: 8), Activation(.hardswish),
            Conv2D(inChannels: 8, outChannels: 16, kernel: 1, rng: &rng),
            Activation(.relu),
            GlobalAveragePool(),
            Linear(inFeatures: 16, outFeatures: 1, std: 0.1, rng: &rng),
        ])
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.05, momentum: 0.9)
        var losses: [Float] = []
        for _ in 0..<200 {
            let (x, y) = Self.batch(32, rng: &rng)
            optimizer.zeroGrad()
            let loss = Loss.bceWithLogits(model(Variable(x)), targets: Tensor(shape: [32, 1], scalars: y))
            loss.backward()
            optimizer.step()
            losses.append(loss.value.scalars[0])
        }
        model.eval()
        let (x, y) = Self.batch(400, rng: &rng)
        let logits = GradientRecording.withoutGradients { model(Variable(x)) }.value.scalars
        let correct = zip(logits, y).filter { ($0.0 > 0) == ($0.1 > 0.5) }.count
        #expect(Double(correct) / 400 >= 0.95, "held-out accuracy \(correct)/400; last losses \(losses.suffix(5))")
        let early: Float = losses.prefix(10).reduce(0, +), late: Float = losses.suffix(10).reduce(0, +)
        #expect(late < early / 2, "loss fell from \(early / 10) to \(late / 10)")
    }
}
