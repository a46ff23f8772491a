/// When a fly needs a person's eyes: any trait probability strictly between the bounds (the
/// classifier is unsure which side of 0.5 it is on).
public struct ReviewPolicy: Sendable, Equatable, Codable {
    public var lower: Float
    public var upper: Float

    public init(lower: Float = 0.2, upper: Float = 0.8) {
        precondition(0 <= lower && lower <= 0.5 && 0.5 <= upper && upper <= 1, "review bounds must satisfy 0 ≤ lower ≤ 0.5 ≤ upper ≤ 1")
        self.lower = lower
        self.upper = upper
    }

    public func needsReview(_ probabilities: [Float]) -> Bool {
        probabilities.contains { $0 > lower && $0 < upper }
    }
}
