import Autograd
import Foundation
import TensorKernels
import Tensors
import Testing

/// Single ops against ../shared/golden/ops.safetensors: forward values and every gradient.
@Suite(.enabled(if: Golden.available, "needs ../shared/golden (PyTorch reference tensors)"))
struct OpsGoldenTests {
    static let convCases: [(name: String, stride: Int, padding: Int, dilation: Int, groups: Int)] = [
        ("conv3x3_s1", 1, 1, 1, 1), ("conv3x3_s2", 2, 1, 1, 1), ("conv1x1", 1, 0, 1, 1), ("dw3x3_s1", 1, 1, 1, 16),
        ("dw3x3_s2", 2, 1, 1, 32), ("dw5x5_s2", 2, 2, 1, 40), ("grouped3x3", 1, 1, 1, 4), ("dilated3x3", 1, 2, 2, 1),
        ("conv7x7_s2_nopad", 2, 0, 1, 1),
    ]

    @Test(arguments: convCases.map(\.name))
    func convolution(_ name: String) throws {
        let c = Self.convCases.first { $0.name == name }!
        let golden = try Golden("ops.safetensors")
        let x = Variable(try golden.activation("\(name).x"), requiresGrad: true)
        let w = Variable(try golden.convWeight("\(name).w"), requiresGrad: true)
        let b = Variable(try golden.raw("\(name).b"), requiresGrad: true)
        let y = conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        expectClose(y.value, try golden.activation("\(name).y"), Tolerance.forward, "\(name) y")
        y.backward(seed: try golden.activation("\(name).grad_y"))
        expectClose(x.grad!, try golden.activation("\(name).grad_x"), Tolerance.gradient, "\(name) grad_x")
        expectClose(w.grad!, try golden.convWeight("\(name).grad_w"), Tolerance.gradient, "\(name) grad_w")
        expectClose(b.grad!, try golden.raw("\(name).grad_b"), Tolerance.gradient, "\(name) grad_b")
    }

    @Test(arguments: ["relu", "hardswish", "hardsigmoid", "sigmoid"])
    func activationFunction(_ name: String) throws {
        let golden = try Golden("ops.safetensors")
        let kind = Elementwise.Activation(rawValue: name)!
        // Element-wise, so the NCHW layout of the golden tensors can be used as it is.
        let x = Variable(try golden.raw("\(name).x"), requiresGrad: true)
        let y = activation(x, kind)
        expectClose(y.value, try golden.raw("\(name).y"), Tolerance.forward, "\(name) y")
        y.backward(seed: try golden.raw("\(name).grad_y"))
        expectClose(x.grad!, try golden.raw("\(name).grad_x"), Tolerance.gradient, "\(name) grad_x")
    }

    @Test func batchNormTraining() throws {
        let golden = try Golden("ops.safetensors")
        let x = Variable(try golden.activation("bn_train.x"), requiresGrad: true)
        let gamma = Variable(try golden.raw("bn_train.gamma"), requiresGrad: true)
        let beta = Variable(try golden.raw("bn_train.beta"), requiresGrad: true)
        let statistics = BatchNormStatistics(channels: 6)   // PyTorch's initial 0 / 1
        let y = batchNorm(x, gamma: gamma, beta: beta, statistics: statistics, training: true, momentum: 0.01, epsilon: 0.001)
        expectClose(y.value, try golden.activation("bn_train.y"), Tolerance.forward, "bn y")
        expectClose(statistics.runningMean, try golden.raw("bn_train.running_mean"), Tolerance.forward, "running mean")
        expectClose(statistics.runningVariance, try golden.raw("bn_train.running_var"), Tolerance.forward, "running var")
        y.backward(seed: try golden.activation("bn_train.grad_y"))
        expectClose(x.grad!, try golden.activation("bn_train.grad_x"), Tolerance.gradient, "bn grad_x")
        expectClose(gamma.grad!, try golden.raw("bn_train.grad_gamma"), Tolerance.gradient, "bn grad_gamma")
        expectClose(beta.grad!, try golden.raw("bn_train.grad_beta"), Tolerance.gradient, "bn grad_beta")
    }

    @Test func globalAveragePooling() throws {
        let golden = try Golden("ops.safetensors")
        let x = Variable(try golden.activation("gap.x"), requiresGrad: true)
        let y = globalAveragePool(x)
        expectClose(y.value, try golden.activation("gap.y"), Tolerance.forward, "gap y")
        y.backward(seed: try golden.activation("gap.grad_y"))
        expectClose(x.grad!, try golden.activation("gap.grad_x"), Tolerance.gradient, "gap grad_x")
    }

    @Test func linearLayer() throws {
        let golden = try Golden("ops.safetensors")
        let x = Variable(try golden.raw("linear.x"), requiresGrad: true)
        let w = Variable(try golden.raw("linear.w"), requiresGrad: true)
        let b = Variable(try golden.raw("linear.b"), requiresGrad: true)
        let y = linear(x, weight: w, bias: b)
        expectClose(y.value, try golden.raw("linear.y"), Tolerance.forward, "linear y")
        y.backward(seed: try golden.raw("linear.grad_y"))
        expectClose(x.grad!, try golden.raw("linear.grad_x"), Tolerance.gradient, "linear grad_x")
        expectClose(w.grad!, try golden.raw("linear.grad_w"), Tolerance.gradient, "linear grad_w")
        expectClose(b.grad!, try golden.raw("linear.grad_b"), Tolerance.gradient, "linear grad_b")
    }

    @Test func binaryCrossEntropyWithLogits() throws {
        let golden = try Golden("ops.safetensors")
        let logits = Variable(try golden.raw("bce.logits"), requiresGrad: true)
        let loss = Loss.bceWithLogits(logits, targets: try golden.raw("bce.target"))
        expectClose(loss.value.reshaped([1]), try golden.raw("bce.loss"), Tolerance.forward, "bce loss")
        loss.backward()
        expectClose(logits.grad!, try golden.raw("bce.grad"), Tolerance.gradient, "bce grad")
    }

    @Test func smoothL1Loss() throws {
        let golden = try Golden("ops.safetensors")
        let prediction = Variable(try golden.raw("smoothl1.pred"), requiresGrad: true)
        let loss = Loss.smoothL1(prediction, targets: try golden.raw("smoothl1.target"), beta: 1)
        expectClose(loss.value.reshaped([1]), try golden.raw("smoothl1.loss"), Tolerance.forward, "smooth L1 loss")
        loss.backward()
        expectClose(prediction.grad!, try golden.raw("smoothl1.grad"), Tolerance.gradient, "smooth L1 grad")
    }
}
