import Foundation
import Testing
import ImageIO
import Tensors
@testable import Augmentation

@Suite struct LightingJitterTests {
    /// Every pixel becomes its value times its channel's gain, clipped: the gains recomputed
    /// here from the same three draws the jitter makes (chance, log exposure gain, cast).
    @Test func scalesEachChannelAndClips() {
        let jitter = LightingJitter(exposure: 1.8, cast: 0.4, probability: 1)
        let original = texturedImage(width: 24, height: 16)
        for seed: UInt64 in [1, 2, 3, 4, 5] {
            var rng = RandomSource(seed: seed), copy = rng
            var image = original
            jitter.apply(to: &image, rng: &rng)
            _ = copy.uniform()
            let g = exp(Double(copy.uniform(-1, 1)) * log(1.8)), w = Double(copy.uniform(-1, 1)) * 0.4
            let gains = [g * (1 + w), g, g * (1 - w)]
            #expect(rng == copy, "three draws")
            for y in 0..<16 {
                for x in 0..<24 {
                    let before = original[x, y], after = image[x, y]
                    for (c, (v, out)) in [(before.r, after.r), (before.g, after.g), (before.b, after.b)].enumerated() {
                        let expected = min(255, max(0, (Double(v) * gains[c]).rounded()))
                        #expect(Double(out) == expected, "seed \(seed) (\(x), \(y)) channel \(c)")
                    }
                }
            }
        }
        // A cast moves red and blue in opposite directions; exposure alone keeps the balance.
        let (r, g, b) = LightingJitter.gains(exposureGain: 1.2, cast: 0.25)
        #expect(abs(r - 1.5) < 1e-12 && abs(g - 1.2) < 1e-12 && abs(b - 0.9) < 1e-12)
    }

    /// Probability 0 leaves the image alone but still draws three numbers, so what follows in
    /// the stream does not depend on the outcome; half the images change at probability 0.5.
    @Test func probabilityDecidesAndTheStreamStaysAligned() {
        let original = texturedImage(width: 8, height: 8)
        var rng = RandomSource(seed: 9), copy = rng
        var image = original
        LightingJitter(exposure: 2, cast: 0.5, probability: 0).apply(to: &image, rng: &rng)
        #expect(image == original)
        for _ in 0..<3 { _ = copy.uniform() }
        #expect(rng == copy)
        var changed = 0
        var stream = RandomSource(seed: 10)
        for _ in 0..<400 {
            var im = original
            LightingJitter(exposure: 2, cast: 0.5, probability: 0.5).apply(to: &im, rng: &stream)
            changed += im == original ? 0 : 1
        }
        #expect((160...240).contains(changed), "\(changed) of 400 changed at probability 0.5")
    }

    @Test func outOfRangeSettingsAreNamed() {
        #expect(LightingJitter(exposure: 0.5, cast: 0, probability: 1).problem?.contains("exposure") == true)
        #expect(LightingJitter(exposure: 1.5, cast: 1.2, probability: 1).problem?.contains("cast") == true)
        #expect(LightingJitter(exposure: 1.5, cast: 0.2, probability: 2).problem?.contains("probability") == true)
        #expect(LightingJitter(exposure: 1.5, cast: 0.2, probability: 0.5).problem == nil)
    }
}
