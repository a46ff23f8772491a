import Datasets
import Foundation
import ImageProcessing

/// Evaluation of trait predictions and keypoints against labels.
public struct TraitMetrics: Sendable, Encodable {
    /// Per trait (eye, wing, sex): counts over the samples whose label is known.
    public struct Binary: Sendable, Encodable {
        public var name: String
        public var positive: String
        public var negative: String
        /// Confusion counts with "positive" = white / miniature / male.
        public var truePositive = 0, falsePositive = 0, trueNegative = 0, falseNegative = 0
        /// Expected calibration error over 10 equal-width confidence bins.
        public var expectedCalibrationError = 0.0

        public var total: Int { truePositive + falsePositive + trueNegative + falseNegative }
        public var accuracy: Double { total == 0 ? .nan : Double(truePositive + trueNegative) / Double(total) }
        public var precision: Double { truePositive + falsePositive == 0 ? .nan : Double(truePositive) / Double(truePositive + falsePositive) }
        public var recall: Double { truePositive + falseNegative == 0 ? .nan : Double(truePositive) / Double(truePositive + falseNegative) }

        enum CodingKeys: String, CodingKey {
            case name, positive, negative, accuracy, precision, recall, total
            case truePositive = "true_positive", falsePositive = "false_positive"
            case trueNegative = "true_negative", falseNegative = "false_negative"
            case expectedCalibrationError = "ece"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name); try c.encode(positive, forKey: .positive); try c.encode(negative, forKey: .negative)
            try c.encode(total, forKey: .total)
            for (key, value) in [(CodingKeys.accuracy, accuracy), (.precision, precision), (.recall, recall), (.expectedCalibrationError, expectedCalibrationError)] {
                if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
            }
            try c.encode(truePositive, forKey: .truePositive); try c.encode(falsePositive, forKey: .falsePositive)
            try c.encode(trueNegative, forKey: .trueNegative); try c.encode(falseNegative, forKey: .falseNegative)
        }
    }

    public var traits: [Binary]
    /// Mean keypoint distance in percent of the crop side (wing tips matched in the better order).
    public var keypointMeanErrorPercent: Double?
    /// Fraction of keypoints within 0.05 × crop side.
    public var pck05: Double?
    /// Mean distance per point in percent of the crop side: head, tail, wing tips (both).
    public var keypointErrorByPointPercent: KeypointErrors?
    /// Fraction of flies whose predicted head and tail fit the true tail and head better than
    /// the true head and tail (the body read back to front): a regression head that cannot
    /// tell the two ends apart puts both near the middle, which this separates from plain noise.
    public var headTailReversed: Double?
    public var samples: Int

    public struct KeypointErrors: Sendable, Encodable, Equatable {
        public var head: Double, tail: Double, wingTips: Double
        enum CodingKeys: String, CodingKey { case head, tail, wingTips = "wing_tips" }
    }

    /// - Parameters: `probabilities`: per sample the three positive-class probabilities;
    ///   `keypoints`: predicted and true keypoints with the crop side, where both exist.
    public init(probabilities: [[Float]], labels: [FlyTraits],
                keypoints: [(predicted: FlyKeypoints, truth: FlyKeypoints, cropSide: Double)] = []) {
        precondition(probabilities.count == labels.count, "one probability triple per label")
        samples = labels.count
        traits = (0..<3).map { i in
            var b = Binary(name: TraitEncoding.names[i], positive: TraitEncoding.positives[i], negative: TraitEncoding.negatives[i])
            var bins = [(confidence: Double, correct: Double, count: Int)](repeating: (0, 0, 0), count: 10)
            for (p, label) in zip(probabilities, labels) {
                let (values, weights) = TraitEncoding.targets(label)
                guard weights[i] > 0 else { continue }
                let truth = values[i] > 0.5, predicted = p[i] >= 0.5
                switch (predicted, truth) {
                case (true, true): b.truePositive += 1
                case (true, false): b.falsePositive += 1
                case (false, false): b.trueNegative += 1
                case (false, true): b.falseNegative += 1
                }
                let confidence = Double(predicted ? p[i] : 1 - p[i])
                let bin = min(9, max(0, Int(confidence * 10)))
                bins[bin].confidence += confidence
                bins[bin].correct += predicted == truth ? 1 : 0
                bins[bin].count += 1
            }
            let n = Double(bins.reduce(0) { $0 + $1.count })
            b.expectedCalibrationError = n == 0 ? .nan : bins.filter { $0.count > 0 }.reduce(0) {
                $0 + Double($1.count) / n * abs($1.confidence / Double($1.count) - $1.correct / Double($1.count))
            }
            return b
        }
        if keypoints.isEmpty {
            keypointMeanErrorPercent = nil
            pck05 = nil
        } else {
            var distances: [Double] = []
            var reversed = 0
            for (p, t, side) in keypoints {
                distances += Self.keypointDistances(predicted: p, truth: t, side: side)
                if p.head.distance(to: t.tail) + p.tail.distance(to: t.head) < p.head.distance(to: t.head) + p.tail.distance(to: t.tail) { reversed += 1 }
            }
            keypointMeanErrorPercent = 100 * distances.reduce(0, +) / Double(distances.count)
            pck05 = Double(distances.filter { $0 <= 0.05 }.count) / Double(distances.count)
            // distances holds four values per fly: head, tail, wing tip, wing tip.
            func meanPercent(_ offsets: [Int]) -> Double {
                let picked = stride(from: 0, to: distances.count, by: 4).flatMap { base in offsets.map { distances[base + $0] } }
                return 100 * picked.reduce(0, +) / Double(picked.count)
            }
            keypointErrorByPointPercent = KeypointErrors(head: meanPercent([0]), tail: meanPercent([1]), wingTips: meanPercent([2, 3]))
            headTailReversed = Double(reversed) / Double(keypoints.count)
        }
    }

    /// One fly's keypoint distances as fractions of the crop side: head, tail, and the two wing
    /// tips matched in the better of the two orders (the code does not say which tip is which).
    public static func keypointDistances(predicted p: FlyKeypoints, truth t: FlyKeypoints, side: Double) -> [Double] {
        func d(_ a: Point2D, _ b: Point2D) -> Double { a.distance(to: b) / side }
        let straight = d(p.wing1, t.wing1) + d(p.wing2, t.wing2), swapped = d(p.wing1, t.wing2) + d(p.wing2, t.wing1)
        let wings = straight <= swapped ? [d(p.wing1, t.wing1), d(p.wing2, t.wing2)] : [d(p.wing1, t.wing2), d(p.wing2, t.wing1)]
        return [d(p.head, t.head), d(p.tail, t.tail)] + wings
    }

    enum CodingKeys: String, CodingKey {
        case traits, samples
        case keypointMeanErrorPercent = "keypoint_mean_error_percent", pck05 = "pck_0_05"
        case keypointErrorByPointPercent = "keypoint_error_by_point_percent", headTailReversed = "head_tail_reversed"
    }

    /// A plain-text table.
    public var text: String {
        var out = "samples: \(samples)\n"
        out += "trait  accuracy  precision  recall   ECE    confusion (TP FP TN FN)   n\n"
        for b in traits {
            func pct(_ v: Double) -> String { v.isFinite ? String(format: "%6.2f%%", 100 * v) : "   n/a " }
            out += String(format: "%-5@ %@   %@  %@  %@  %4d %4d %4d %4d   %5d\n", b.name as NSString, pct(b.accuracy), pct(b.precision),
                          pct(b.recall), b.expectedCalibrationError.isFinite ? String(format: "%.3f", b.expectedCalibrationError) : "n/a",
                          b.truePositive, b.falsePositive, b.trueNegative, b.falseNegative, b.total)
        }
        if let e = keypointMeanErrorPercent, let p = pck05 {
            out += String(format: "keypoints: mean error %.2f%% of crop side, PCK@0.05 %.1f%%\n", e, 100 * p)
        }
        if let byPoint = keypointErrorByPointPercent, let reversed = headTailReversed {
            out += String(format: "  head %.2f%%, tail %.2f%%, wing tips %.2f%%; head and tail reversed in %.1f%% of flies\n",
                          byPoint.head, byPoint.tail, byPoint.wingTips, 100 * reversed)
        }
        return out
    }
}
