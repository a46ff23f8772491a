import Datasets
import Foundation

/// COCO-style evaluation of a single-class detector over a set of photos.
///
/// Matching follows the COCO protocol: per photo, detections in descending score order each
/// take the unmatched ground-truth box with the highest IoU at or above the threshold. AP is the
/// area under the precision–recall curve with precision made monotone and sampled at COCO's
/// 101 recall points; AP@[.5:.95] averages it over IoU thresholds 0.50, 0.55, …, 0.95.
/// (COCO also ignores "crowd" regions and limits to 100 detections per image; FlyTally photos
/// have no crowd regions and up to 150 flies, so the limit is 500.)
public struct DetectionMetrics: Sendable, Codable {
    public var photos: Int
    public var flies: Int
    public var ap50: Double
    public var ap50to95: Double
    /// AP with looser matches (IoU ≥ 0.3 and ≥ 0.1): diagnostics, not COCO metrics. Far above
    /// AP@0.5 they say the flies are found but their boxes are badly placed or sized.
    public var ap30: Double
    public var ap10: Double
    /// At the operating threshold, IoU ≥ 0.5.
    public var threshold: Float
    public var precision: Double
    public var recall: Double
    public var truePositives: Int
    public var falsePositives: Int
    public var falseNegatives: Int
    /// Detected minus true flies, per photo, at the operating threshold.
    public var countErrors: [Int]
    public var meanAbsoluteCountError: Double { countErrors.isEmpty ? 0 : Double(countErrors.map(abs).reduce(0, +)) / Double(countErrors.count) }
    public var maxAbsoluteCountError: Int { countErrors.map(abs).max() ?? 0 }
    /// |count error| per 60 true flies (the [detector] target's unit).
    public var absoluteCountErrorPer60: Double { flies == 0 ? 0 : Double(countErrors.map(abs).reduce(0, +)) * 60 / Double(flies) }

    /// - Parameters: `detections`: per photo, all detections above a low score floor (AP needs
    ///   the whole curve); `truth`: per photo, the true boxes; `threshold`: operating score.
    public init(detections: [[Detection]], truth: [[BoundingBox]], threshold: Float) {
        precondition(detections.count == truth.count, "one detection list per photo")
        photos = truth.count
        flies = truth.reduce(0) { $0 + $1.count }
        self.threshold = threshold
        let thresholds = stride(from: 0.5, through: 0.951, by: 0.05).map { $0 }
        let aps = thresholds.map { DetectionMetrics.averagePrecision(detections: detections, truth: truth, iou: $0) }
        ap50 = aps[0]
        ap50to95 = aps.reduce(0, +) / Double(aps.count)
        ap30 = DetectionMetrics.averagePrecision(detections: detections, truth: truth, iou: 0.3)
        ap10 = DetectionMetrics.averagePrecision(detections: detections, truth: truth, iou: 0.1)
        var tp = 0, fp = 0, fn = 0
        countErrors = []
        for (found, boxes) in zip(detections, truth) {
            let kept = found.filter { $0.score >= threshold }
            let matched = DetectionMetrics.match(kept, boxes, iou: 0.5).filter { $0 }.count
            tp += matched
            fp += kept.count - matched
            fn += boxes.count - matched
            countErrors.append(kept.count - boxes.count)
        }
        truePositives = tp
        falsePositives = fp
        falseNegatives = fn
        precision = tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp)
        recall = tp + fn == 0 ? 1 : Double(tp) / Double(tp + fn)
    }

    /// For each detection (in the given order, best first), whether it matched a true box.
    static func match(_ detections: [Detection], _ truth: [BoundingBox], iou threshold: Double) -> [Bool] {
        var taken = [Bool](repeating: false, count: truth.count)
        return detections.sorted { $0.score > $1.score }.map { d in
            var best = -1, bestIoU = threshold
            for (j, t) in truth.enumerated() where !taken[j] {
                let v = d.box.iou(t)
                if v >= bestIoU { best = j; bestIoU = v }
            }
            if best >= 0 { taken[best] = true; return true }
            return false
        }
    }

    static func averagePrecision(detections: [[Detection]], truth: [[BoundingBox]], iou: Double) -> Double {
        let total = truth.reduce(0) { $0 + $1.count }
        guard total > 0 else { return detections.allSatisfy(\.isEmpty) ? 1 : 0 }
        var scored: [(score: Float, hit: Bool)] = []
        for (found, boxes) in zip(detections, truth) {
            let ordered = found.sorted { $0.score > $1.score }
            for (d, hit) in zip(ordered, match(ordered, boxes, iou: iou)) { scored.append((d.score, hit)) }
        }
        scored.sort { $0.score > $1.score }
        var precisions: [Double] = [], recalls: [Double] = []
        var tp = 0
        for (i, s) in scored.enumerated() {
            if s.hit { tp += 1 }
            precisions.append(Double(tp) / Double(i + 1))
            recalls.append(Double(tp) / Double(total))
        }
        // Monotone precision envelope, from the right.
        if precisions.count > 1 { for i in stride(from: precisions.count - 2, through: 0, by: -1) { precisions[i] = max(precisions[i], precisions[i + 1]) } }
        var sum = 0.0
        for k in 0...100 {
            let r = Double(k) / 100
            if let i = recalls.firstIndex(where: { $0 >= r - 1e-12 }) { sum += precisions[i] }
        }
        return sum / 101
    }

    public var text: String {
        var s = "photos: \(photos)  flies: \(flies)\n"
        s += String(format: "AP@0.5 %.4f   AP@[.5:.95] %.4f   (looser matches: AP@0.3 %.4f, AP@0.1 %.4f)\n", ap50, ap50to95, ap30, ap10)
        s += String(format: "at threshold %.2f: precision %.2f%%  recall %.2f%%  (TP %d  FP %d  FN %d)\n",
                    threshold, 100 * precision, 100 * recall, truePositives, falsePositives, falseNegatives)
        s += String(format: "count error per photo: mean |e| %.2f, max |e| %d, |e| per 60 flies %.2f\n",
                    meanAbsoluteCountError, maxAbsoluteCountError, absoluteCountErrorPer60)
        return s
    }

    enum CodingKeys: String, CodingKey {
        case photos, flies, ap50 = "ap_50", ap50to95 = "ap_50_95", ap30 = "ap_30", ap10 = "ap_10", threshold, precision, recall
        case truePositives = "true_positives", falsePositives = "false_positives", falseNegatives = "false_negatives"
        case countErrors = "count_errors"
    }
}
