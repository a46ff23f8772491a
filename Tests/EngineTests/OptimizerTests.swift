import Autograd
import Foundation
import Optimizers
import Tensors
import Testing

/// Optimizer updates against the published formulas, evaluated independently in Double.
@Suite struct OptimizerTests {
    let initial: [Float] = [0.5, -1.25, 2.0]
    let gradients: [[Float]] = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [-0.3, 0.1, 0.2]]

    func run(_ optimizer: (Variable) -> Optimizer) -> [Float] {
        let p = Variable(Tensor(shape: [3], scalars: initial), requiresGrad: true)
        let opt = optimizer(p)
        for g in gradients {
            p.grad = Tensor(shape: [3], scalars: g)
            opt.step()
        }
        return p.value.scalars
    }

    func expectClose(_ got: [Float], _ want: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        for (a, b) in zip(got, want) {
            #expect(abs(Double(a) - b) < 1e-6, "\(got) vs \(want)", sourceLocation: sourceLocation)
        }
    }

    @Test func sgdWithMomentumAndWeightDecay() {
        let lr = 0.1, mu = 0.9, wd = 0.01
        var p = initial.map(Double.init), buffer: [Double]? = nil
        for g in gradients {
            let d = zip(g, p).map { Double($0) + wd * $1 }
            buffer = buffer.map { zip($0, d).map { mu * $0 + $1 } } ?? d
            p = zip(p, buffer!).map { $0 - lr * $1 }
        }
        expectClose(run { SGD(parameters: [$0], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) }, p)
    }

    @Test func sgdNesterov() {
        let lr = 0.05, mu = 0.8
        var p = initial.map(Double.init), buffer: [Double]? = nil
        for g in gradients {
            let d = g.map(Double.init)
            buffer = buffer.map { zip($0, d).map { mu * $0 + $1 } } ?? d
            let direction = zip(d, buffer!).map { $0 + mu * $1 }
            p = zip(p, direction).map { $0 - lr * $1 }
        }
        expectClose(run { SGD(parameters: [$0], learningRate: 0.05, momentum: 0.8, nesterov: true) }, p)
    }

    func adamReference(decoupled: Bool, wd: Double) -> [Double] {
        let lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8
        var p = initial.map(Double.init), m = [Double](repeating: 0, count: 3), v = m
        for (t, g) in gradients.enumerated() {
            var d = g.map(Double.init)
            if decoupled { p = p.map { $0 * (1 - lr * wd) } } else { d = zip(d, p).map { $0 + wd * $1 } }
            for i in 0..<3 {
                m[i] = b1 * m[i] + (1 - b1) * d[i]
                v[i] = b2 * v[i] + (1 - b2) * d[i] * d[i]
                let mHat = m[i] / (1 - pow(b1, Double(t + 1))), vHat = v[i] / (1 - pow(b2, Double(t + 1)))
                p[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
        }
        return p
    }

    @Test func adamAndAdamW() {
        expectClose(run { Adam(groups: [ParameterGroup([$0], weightDecay: 0.1)], learningRate: 0.01) },
                    adamReference(decoupled: false, wd: 0.1))
        expectClose(run { Adam(groups: [ParameterGroup([$0], weightDecay: 0.1)], learningRate: 0.01, decoupledWeightDecay: true) },
                    adamReference(decoupled: true, wd: 0.1))
    }

    @Test func parameterGroupsFrozenParametersAndStateRoundTrip() {
        let a = Variable(.ones([2]), requiresGrad: true), b = Variable(.ones([2]), requiresGrad: true)
        let frozen = Variable(.ones([2]), requiresGrad: false)
        let sgd = SGD(groups: [ParameterGroup([a]), ParameterGroup([b, frozen], learningRateScale: 10)],
                      learningRate: 0.01, momentum: 0.9)
        for v in [a, b, frozen] { v.grad = .ones([2]) }
        sgd.step()
        #expect(a.value.scalars == [0.99, 0.99])
        #expect(abs(b.value.scalars[0] - 0.9) < 1e-6)          // 10× the rate
        #expect(frozen.value.scalars == [1, 1])                 // untouched
        // A restored optimizer continues exactly like the original.
        let copy = SGD(groups: [ParameterGroup([a]), ParameterGroup([b, frozen], learningRateScale: 10)],
                       learningRate: 0.5, momentum: 0.9)
        copy.load(state: sgd.state)
        #expect(copy.learningRate == 0.01 && copy.stepCount == 1)
        let a2 = Variable(a.value, requiresGrad: true)
        a.grad = .ones([2])
        sgd.step()
        copy.groups[0].parameters = [a2]
        a2.grad = .ones([2])
        copy.step()
        #expect(a2.value == a.value)
    }

    @Test func gradientsAccumulateUntilZeroed() {
        let w = Variable(.ones([1]), requiresGrad: true)
        for _ in 0..<3 { scale(w, 2).backward() }
        #expect(w.grad?.scalars == [6])
        w.zeroGrad()
        scale(w, 2).backward()
        #expect(w.grad?.scalars == [2])
    }

    @Test func schedules() {
        let step = StepDecay(base: 0.1, gamma: 0.97, everyEpochs: 5)
        #expect(step.learningRate(atEpoch: 4.9) == 0.1)
        #expect(abs(step.learningRate(atEpoch: 10) - 0.1 * 0.97 * 0.97) < 1e-7)
        let cosine = CosineDecay(base: 1, totalEpochs: 10, minimum: 0.1)
        #expect(abs(cosine.learningRate(atEpoch: 0) - 1) < 1e-6)
        #expect(abs(cosine.learningRate(atEpoch: 5) - 0.55) < 1e-6)
        #expect(abs(cosine.learningRate(atEpoch: 12) - 0.1) < 1e-6)
        let warm = LinearWarmup(cosine, warmupEpochs: 2, startFactor: 0)
        #expect(warm.learningRate(atEpoch: 0) == 0)
        #expect(abs(warm.learningRate(atEpoch: 1) - 0.5 * cosine.learningRate(atEpoch: 1)) < 1e-6)
        #expect(warm.learningRate(atEpoch: 3) == cosine.learningRate(atEpoch: 3))
    }
}
