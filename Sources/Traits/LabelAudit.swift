import Datasets
import Foundation
import Tensors

/// Finding likely label mistakes (the reference lab found ~250 this way): every sample is
/// scored by models that did not train on it, and samples are ranked by how badly those
/// models disagree with the label — the binary cross-entropy of the label under the mean
/// predicted probability, summed over the traits the sample has labels for.
public enum LabelAudit {
    public struct Entry: Sendable, Codable, Equatable {
        public var source: String
        /// The labels as given (nil where unknown), in eye/wing/sex order: "white", "red", …
        public var labels: [String?]
        /// Mean predicted positive-class probabilities (white, miniature, male).
        public var probabilities: [Float]
        /// Summed BCE of the known labels under `probabilities`.
        public var loss: Double
        /// Traits whose label the prediction contradicts (threshold 0.5).
        public var disagreements: [String]
    }

    /// Fold of each sample: a seeded shuffle dealt round-robin into `k` folds.
    public static func folds(count: Int, k: Int, seed: UInt64) -> [Int] {
        precondition(k >= 2 && count >= k, "an audit needs k ≥ 2 folds and at least k samples")
        var order = Array(0..<count)
        var rng = RandomSource(seed: seed)
        order.shuffle(using: &rng)
        var fold = [Int](repeating: 0, count: count)
        for (i, sample) in order.enumerated() { fold[sample] = i % k }
        return fold
    }

    /// Ranks samples, worst first. `probabilities[i]` is the (mean) prediction for sample i.
    public static func rank(samples: [TraitSample], probabilities: [[Float]]) -> [Entry] {
        precondition(samples.count == probabilities.count, "one prediction per sample")
        var entries: [Entry] = []
        for (s, p) in zip(samples, probabilities) {
            let (values, weights) = TraitEncoding.targets(s.traits)
            var loss = 0.0, disagreements: [String] = [], labels: [String?] = []
            for t in 0..<3 {
                guard weights[t] > 0 else { labels.append(nil); continue }
                let positive = values[t] > 0.5
                labels.append(positive ? TraitEncoding.positives[t] : TraitEncoding.negatives[t])
                let q = Double(min(max(p[t], 1e-6), 1 - 1e-6))
                loss += positive ? -Foundation.log(q) : -Foundation.log(1 - q)
                if (p[t] >= 0.5) != positive { disagreements.append(TraitEncoding.names[t]) }
            }
            entries.append(Entry(source: s.source, labels: labels, probabilities: p, loss: loss, disagreements: disagreements))
        }
        return entries.sorted { $0.loss > $1.loss }
    }

    public static func csv(_ entries: [Entry]) -> String {
        var out = "rank,source,eye_label,wing_label,sex_label,p_white,p_miniature,p_male,loss,disagrees_on\n"
        for (i, e) in entries.enumerated() {
            out += "\(i + 1),\(quoteCSV(e.source))," + e.labels.map { $0 ?? "" }.joined(separator: ",") + ","
            out += e.probabilities.map { String(format: "%.4f", $0) }.joined(separator: ",")
            out += String(format: ",%.4f,", e.loss) + e.disagreements.joined(separator: " ") + "\n"
        }
        return out
    }
}
