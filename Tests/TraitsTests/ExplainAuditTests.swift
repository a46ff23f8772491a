import Autograd
import Datasets
import Foundation
import ImageIO
import Tensors
import Testing
@testable import Traits

@Suite struct ExplainAuditTests {
    @Test func gradCAMMatchesFiniteDifferences() {
        let model = TraitClassifier(TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 64), seed: 3)
        model.eval()
        var crop = RGBImage(width: 64, height: 64, fill: RGB(60, 90, 150))
        crop.fillRectangle(x: 20, y: 24, width: 26, height: 12, color: RGB(150, 80, 40))
        let result = GradCAM.explain(model, crop: crop)
        // Independent computation: the head starts with global average pooling, so
        // α_c = ∂score/∂pooled_c / (h·w); ∂score/∂pooled by central differences.
        let input = Tensor(shape: [1, 64, 64, 3], scalars: crop.floatHWC(.imageNet))
        let a = GradientRecording.withoutGradients { model.features(Variable(input)).value }
        let h = a.shape[1], w = a.shape[2], c = a.shape[3]
        var pooled = [Float](repeating: 0, count: c)
        for p in 0..<(h * w) { for k in 0..<c { pooled[k] += a.scalars[p * c + k] / Float(h * w) } }
        func logits(_ f: [Float]) -> [Float] {
            GradientRecording.withoutGradients { model.traitHead(model.hidden(Variable(Tensor(shape: [1, c], scalars: f)))).value.scalars }
        }
        for trait in 0..<3 {
            let sign: Float = result.probabilities[trait] >= 0.5 ? 1 : -1
            var alpha = [Float](repeating: 0, count: c)
            for k in 0..<c {
                var up = pooled, down = pooled
                up[k] += 1e-2; down[k] -= 1e-2
                alpha[k] = sign * (logits(up)[trait] - logits(down)[trait]) / 2e-2 / Float(h * w)
            }
            var map = (0..<(h * w)).map { p in max(0, (0..<c).reduce(Float(0)) { $0 + alpha[$1] * a.scalars[p * c + $1] }) }
            let top = map.max()!
            if top > 0 { map = map.map { $0 / top } }
            #expect(result.maps[trait].count == h * w)
            for p in 0..<(h * w) { #expect(abs(result.maps[trait][p] - map[p]) < 0.05, "trait \(trait) cell \(p)") }
        }
        let overlay = GradCAM.overlay(crop, map: result.maps[0], width: result.width, height: result.height)
        #expect(overlay.width == 64 && overlay.height == 64 && overlay != crop)
    }

    @Test func auditRanksContradictedLabelsFirst() {
        let image = RGBImage(width: 8, height: 8)
        let samples = [
            TraitSample(image: image, traits: FlyTraits(eye: .red, wing: .long, sex: .female), keypoints: nil, source: "agrees"),
            TraitSample(image: image, traits: FlyTraits(eye: .white, wing: .long, sex: nil), keypoints: nil, source: "eye-wrong"),
            TraitSample(image: image, traits: FlyTraits(eye: .red, wing: nil, sex: .male), keypoints: nil, source: "unsure"),
        ]
        let probabilities: [[Float]] = [[0.05, 0.1, 0.1], [0.02, 0.1, 0.9], [0.4, 0.5, 0.6]]
        let ranked = LabelAudit.rank(samples: samples, probabilities: probabilities)
        #expect(ranked.map(\.source) == ["eye-wrong", "unsure", "agrees"])
        // Loss by hand: −ln 0.02 − ln 0.9 (the sex label is unknown and does not count).
        #expect(abs(ranked[0].loss - (-log(0.02) - log(0.9))) < 1e-5)
        #expect(ranked[0].disagreements == ["eye"] && ranked[0].labels == ["white", "long", nil])
        let csv = LabelAudit.csv(ranked).split(separator: "\n")
        #expect(csv.count == 4 && csv[1].hasPrefix("1,eye-wrong,white,long,,"))
    }

    @Test func foldsAreBalancedAndSeeded() {
        let folds = LabelAudit.folds(count: 23, k: 5, seed: 9)
        let sizes = (0..<5).map { k in folds.filter { $0 == k }.count }
        #expect(sizes.max()! - sizes.min()! <= 1 && sizes.reduce(0, +) == 23)
        #expect(folds == LabelAudit.folds(count: 23, k: 5, seed: 9))
        #expect(folds != LabelAudit.folds(count: 23, k: 5, seed: 10))
    }
}

@Suite struct PseudoLabelTests {
    @Test func onlyConfidentCallsBecomeLabels() {
        let teacher = TraitClassifier(TraitClassifierConfiguration(variant: .small, widthMultiplier: 0.25, inputSize: 32))
        let labeller = PseudoLabeller(teachers: [teacher], confidence: 0.9)
        let t = labeller.traits([0.95, 0.5, 0.05])
        #expect(t.eye == .white && t.wing == nil && t.sex == .female)
        #expect(labeller.traits([0.9, 0.1, 0.89]) == FlyTraits(eye: .white, wing: .long, sex: nil), "the bound itself is confident")
    }

    @Test func pseudoFlagSurvivesTheCropCSVAndTheLoader() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flytally-pseudo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ImageEncoder.write(RGBImage(width: 20, height: 20, fill: RGB(10, 20, 30)), to: dir + "/a.png")
        try ImageEncoder.write(RGBImage(width: 20, height: 20, fill: RGB(30, 20, 10)), to: dir + "/b.png")
        let box = BoundingBox(x: 0, y: 0, width: 20, height: 20)
        try TraitCSV.write([TraitCSV.Row(file: "a.png", fly: FlyAnnotation(id: 1, box: box, traits: FlyTraits(eye: .red)), pseudoLabelled: true),
                            TraitCSV.Row(file: "b.png", fly: FlyAnnotation(id: 2, box: box, traits: FlyTraits(sex: .male)))], to: dir + "/crops.csv")
        let (samples, problems) = TraitSampleLoader.load(dir)
        #expect(problems.isEmpty)
        #expect(samples.map(\.pseudoLabelled) == [true, false])
        #expect(samples[0].traits == FlyTraits(eye: .red) && samples[1].traits == FlyTraits(sex: .male))
        // Without pseudo-labelled rows the format is unchanged (no extra column).
        #expect(!TraitCSV.encode([TraitCSV.Row(file: "b.png", fly: FlyAnnotation(id: 2, box: box))]).contains("pseudo"))
    }
}
