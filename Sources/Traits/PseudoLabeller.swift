import Datasets
import ImageIO

/// Pseudo-labelling: a teacher (one model or the mean of an ensemble) labels unlabelled crops,
/// and only the confident calls become labels — a trait whose mean probability is at least
/// `confidence` from the far side (p ≥ c → positive, p ≤ 1 − c → negative) is labelled, the
/// others stay unknown (weight 0 in training). Crops with no confident trait are left out.
public struct PseudoLabeller {
    public let teachers: [TraitClassifier]
    public let confidence: Float

    public init(teachers: [TraitClassifier], confidence: Float = 0.95) {
        precondition(!teachers.isEmpty && confidence > 0.5 && confidence < 1, "a teacher and a confidence in (0.5, 1) are needed")
        self.teachers = teachers
        self.confidence = confidence
    }

    /// Mean positive-class probabilities of the teachers.
    public func probabilities(_ crops: [RGBImage]) -> [[Float]] {
        TraitEvaluator.meanProbabilities(teachers, crops: crops)
    }

    /// The confident traits of one prediction (nil where unsure).
    public func traits(_ p: [Float]) -> FlyTraits {
        func call(_ v: Float) -> Bool? { v >= confidence ? true : (v <= 1 - confidence ? false : nil) }
        return FlyTraits(eye: call(p[0]).map { $0 ? .white : .red }, wing: call(p[1]).map { $0 ? .miniature : .long },
                         sex: call(p[2]).map { $0 ? .male : .female })
    }
}
