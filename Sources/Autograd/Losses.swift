import Foundation
import Tensors

/// Loss functions. Each returns a scalar (shape []) Variable, averaged over all elements
/// (PyTorch's reduction="mean") unless stated otherwise; targets are constants.
public enum Loss {
    /// Mean binary cross-entropy on logits, in the numerically stable form
    /// max(z, 0) − z·t + log(1 + e^(−|z|)). Optional per-element weights (0 masks an
    /// element out, e.g. an unknown label); the mean is then over the weight sum.
    public static func bceWithLogits(_ logits: Variable, targets: Tensor, weights: Tensor? = nil) -> Variable {
        precondition(logits.shape == targets.shape, "bce: logits \(logits.shape) vs targets \(targets.shape)")
        let z = logits.value.scalars, t = targets.scalars
        let w = weights?.scalars ?? [Float](repeating: 1, count: z.count)
        let denominator = max(w.reduce(0, +), 1e-12)
        var total: Double = 0
        for i in 0..<z.count where w[i] != 0 {
            total += Double(w[i]) * Double(max(z[i], 0) - z[i] * t[i] + log1p(exp(-abs(z[i]))))
        }
        return Variable(value: .scalar(Float(total / Double(denominator))), inputs: [logits]) { g in
            var gz = Tensor(shape: logits.shape)
            for i in 0..<z.count { gz.scalars[i] = g.scalars[0] * w[i] * (1 / (1 + exp(-z[i])) - t[i]) / denominator }
            return [gz]
        }
    }

    /// Mean softmax cross-entropy. logits: [N, K]; labels: class indices (N of them).
    public static func softmaxCrossEntropy(_ logits: Variable, labels: [Int]) -> Variable {
        let n = logits.shape[0], k = logits.shape[1]
        precondition(labels.count == n && labels.allSatisfy { (0..<k).contains($0) }, "labels must be N indices in 0..<K")
        var probabilities = Tensor(shape: [n, k])
        var total: Double = 0
        for r in 0..<n {
            let row = Array(logits.value.scalars[(r * k)..<((r + 1) * k)])
            let m = row.max()!
            let sum = row.reduce(Double(0)) { $0 + exp(Double($1 - m)) }
            for j in 0..<k { probabilities.scalars[r * k + j] = Float(exp(Double(row[j] - m)) / sum) }
            total += log(sum) + Double(m - row[labels[r]])
        }
        return Variable(value: .scalar(Float(total / Double(n))), inputs: [logits]) { g in
            var gz = probabilities
            for r in 0..<n { gz.scalars[r * k + labels[r]] -= 1 }
            return [gz * (g.scalars[0] / Float(n))]
        }
    }

    /// Mean squared error, optionally weighted per element (mean over the weight sum).
    public static func mse(_ prediction: Variable, targets: Tensor, weights: Tensor? = nil) -> Variable {
        precondition(prediction.shape == targets.shape, "mse: \(prediction.shape) vs \(targets.shape)")
        let p = prediction.value.scalars, t = targets.scalars
        let w = weights?.scalars ?? [Float](repeating: 1, count: p.count)
        let denominator = max(w.reduce(0, +), 1e-12)
        var total: Double = 0
        for i in 0..<p.count { total += Double(w[i]) * Double((p[i] - t[i]) * (p[i] - t[i])) }
        return Variable(value: .scalar(Float(total / Double(denominator))), inputs: [prediction]) { g in
            var gp = Tensor(shape: prediction.shape)
            for i in 0..<p.count { gp.scalars[i] = g.scalars[0] * 2 * w[i] * (p[i] - t[i]) / denominator }
            return [gp]
        }
    }

    /// Mean smooth-L1 (Huber with threshold beta): 0.5·d²/β where |d| < β, else |d| − 0.5·β.
    public static func smoothL1(_ prediction: Variable, targets: Tensor, beta: Float = 1, weights: Tensor? = nil) -> Variable {
        precondition(prediction.shape == targets.shape, "smoothL1: \(prediction.shape) vs \(targets.shape)")
        let p = prediction.value.scalars, t = targets.scalars
        let w = weights?.scalars ?? [Float](repeating: 1, count: p.count)
        let denominator = max(w.reduce(0, +), 1e-12)
        var total: Double = 0
        for i in 0..<p.count {
            let d = abs(p[i] - t[i])
            total += Double(w[i]) * Double(d < beta ? 0.5 * d * d / beta : d - 0.5 * beta)
        }
        return Variable(value: .scalar(Float(total / Double(denominator))), inputs: [prediction]) { g in
            var gp = Tensor(shape: prediction.shape)
            for i in 0..<p.count {
                let d = p[i] - t[i]
                let slope = abs(d) < beta ? d / beta : (d > 0 ? 1 : -1)
                gp.scalars[i] = g.scalars[0] * w[i] * slope / denominator
            }
            return [gp]
        }
    }

    /// Binary focal loss on logits (Lin et al., 2017): −α_t (1 − p_t)^γ log p_t, where p_t is the
    /// probability of the true label and α_t = α for positives, 1 − α for negatives. Returns the
    /// SUM divided by `normalizer` (detectors divide by the number of objects).
    public static func focal(_ logits: Variable, targets: Tensor, alpha: Float = 0.25, gamma: Float = 2,
                             normalizer: Float = 1) -> Variable {
        precondition(logits.shape == targets.shape, "focal: \(logits.shape) vs \(targets.shape)")
        let z = logits.value.scalars, t = targets.scalars
        var total: Double = 0
        var grads = [Float](repeating: 0, count: z.count)
        for i in 0..<z.count {
            // With s = +1 for a positive and −1 for a negative, p_t = σ(s·z) and
            // log p_t = −softplus(−s·z), computed stably.
            let s: Float = t[i] > 0.5 ? 1 : -1
            let a = t[i] > 0.5 ? alpha : 1 - alpha
            let sz = Double(s * z[i])
            let logPt = -(max(-sz, 0) + log1p(exp(-abs(sz))))
            let pt = exp(logPt)
            let oneMinus = max(1 - pt, 0)
            total += Double(a) * -pow(oneMinus, Double(gamma)) * logPt
            // dp_t/dz = s·p_t(1−p_t), so d/dz = a·s·[γ·p_t(1−p_t)^γ·log p_t − (1−p_t)^(γ+1)]
            let term1 = Double(gamma) * pow(oneMinus, Double(gamma)) * pt * logPt
            let term2 = pow(oneMinus, Double(gamma)) * oneMinus
            grads[i] = Float(Double(a) * Double(s) * (term1 - term2))
        }
        return Variable(value: .scalar(Float(total) / normalizer), inputs: [logits]) { g in
            var gz = Tensor(shape: logits.shape)
            for i in 0..<z.count { gz.scalars[i] = g.scalars[0] * grads[i] / normalizer }
            return [gz]
        }
    }

    /// CenterNet's penalty-reduced focal loss on heat-map logits (Zhou et al., 2019, eq. 1):
    /// with p = σ(z) and a Gaussian-splatted target Y, −(1−p)^α log p where Y = 1 and
    /// −(1−Y)^β p^α log(1−p) elsewhere; summed and divided by `normalizer` (the number of
    /// objects). α = 2, β = 4 as in the paper.
    public static func centerNetFocal(_ logits: Variable, heatmap: Tensor, alpha: Float = 2, beta: Float = 4,
                                      normalizer: Float) -> Variable {
        precondition(logits.shape == heatmap.shape, "centerNetFocal: \(logits.shape) vs \(heatmap.shape)")
        let z = logits.value.scalars, y = heatmap.scalars
        var total: Double = 0
        var grads = [Float](repeating: 0, count: z.count)
        for i in 0..<z.count {
            let zi = Double(z[i])
            let p = 1 / (1 + exp(-zi))
            let (logP, logOneMinusP) = logSigmoids(zi)
            if y[i] >= 1 {
                total += -pow(1 - p, Double(alpha)) * logP
                // d/dz: α(1−p)^α p log p − (1−p)^(α+1)
                grads[i] = Float(Double(alpha) * pow(1 - p, Double(alpha)) * p * logP - pow(1 - p, Double(alpha) + 1))
            } else {
                let w = pow(1 - Double(y[i]), Double(beta))
                total += -w * pow(p, Double(alpha)) * logOneMinusP
                // d/dz: w·[p^(α+1) − α p^α (1−p) log(1−p)]
                grads[i] = Float(w * (pow(p, Double(alpha) + 1) - Double(alpha) * pow(p, Double(alpha)) * (1 - p) * logOneMinusP))
            }
        }
        return Variable(value: .scalar(Float(total) / normalizer), inputs: [logits]) { g in
            var gz = Tensor(shape: logits.shape)
            for i in 0..<z.count { gz.scalars[i] = g.scalars[0] * grads[i] / normalizer }
            return [gz]
        }
    }

    /// (log σ(z), log σ(−z)), computed stably for large |z|.
    private static func logSigmoids(_ z: Double) -> (Double, Double) {
        let tail = log1p(exp(-abs(z)))
        return (-(max(-z, 0) + tail), -(max(z, 0) + tail))
    }

    /// Quality focal loss on logits with soft targets y ∈ [0, 1] (Li et al., 2020, "Generalized
    /// Focal Loss", eq. 5): −|y − p|^β [y log p + (1 − y) log(1 − p)], p = σ(z), summed and
    /// divided by `normalizer`. Its minimum is p = y everywhere, so a target that varies
    /// smoothly (a peak whose height follows where the object sits within its cell) asks for a
    /// smooth output instead of a 1 that jumps between cells.
    public static func qualityFocal(_ logits: Variable, targets: Tensor, beta: Float = 2, normalizer: Float) -> Variable {
        precondition(logits.shape == targets.shape, "qualityFocal: \(logits.shape) vs \(targets.shape)")
        let z = logits.value.scalars, y = targets.scalars
        var total: Double = 0
        var grads = [Float](repeating: 0, count: z.count)
        let b = Double(beta)
        for i in 0..<z.count {
            let zi = Double(z[i]), yi = Double(y[i])
            let p = 1 / (1 + exp(-zi))
            let (logP, logOneMinusP) = logSigmoids(zi)
            let bce = -(yi * logP + (1 - yi) * logOneMinusP)
            let d = abs(p - yi)
            total += pow(d, b) * bce
            // d/dz = β d^(β−1) sign(p − y) p(1 − p) · bce + d^β (p − y)
            let sign: Double = p > yi ? 1 : (p < yi ? -1 : 0)
            grads[i] = Float(b * pow(d, b - 1) * sign * p * (1 - p) * bce + pow(d, b) * (p - yi))
        }
        return Variable(value: .scalar(Float(total) / normalizer), inputs: [logits]) { g in
            var gz = Tensor(shape: logits.shape)
            for i in 0..<z.count { gz.scalars[i] = g.scalars[0] * grads[i] / normalizer }
            return [gz]
        }
    }

    /// Mean absolute error over the elements whose weight is non-zero (CenterNet's size and
    /// offset losses, evaluated only at object centres): Σ wᵢ|pᵢ − tᵢ| / normalizer, the
    /// normalizer being Σ wᵢ unless given (a relative error passes wᵢ/tᵢ as weights and the
    /// plain weight sum as normalizer, so the loss stays a mean of relative errors).
    public static func maskedL1(_ prediction: Variable, targets: Tensor, weights: Tensor, normalizer: Float? = nil) -> Variable {
        precondition(prediction.shape == targets.shape && targets.shape == weights.shape, "maskedL1: shapes differ")
        let p = prediction.value.scalars, t = targets.scalars, w = weights.scalars
        let denominator = max(normalizer ?? w.reduce(0, +), 1e-12)
        var total: Double = 0
        for i in 0..<p.count where w[i] != 0 { total += Double(w[i] * abs(p[i] - t[i])) }
        return Variable(value: .scalar(Float(total / Double(denominator))), inputs: [prediction]) { g in
            var gp = Tensor(shape: prediction.shape)
            for i in 0..<p.count where w[i] != 0 {
                gp.scalars[i] = g.scalars[0] * w[i] * (p[i] > t[i] ? 1 : (p[i] < t[i] ? -1 : 0)) / denominator
            }
            return [gp]
        }
    }
}
