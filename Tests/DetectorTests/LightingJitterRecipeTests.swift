import Foundation
import Testing
import Augmentation
@testable import Detector

/// `lightingJitter` in the detector's training config: optional (recipes without it keep their
/// checkpoint fingerprint), read from JSON, kept in the fingerprint when set, and checked.
@Suite struct DetectorLightingJitterRecipeTests {
    @Test func detectorRecipeReadsAndChecksIt() throws {
        let plain = String(decoding: try JSONEncoder().encode(DetectorRecipe()), as: UTF8.self)
        #expect(!plain.contains("lightingJitter"))
        var recipe = try JSONDecoder().decode(DetectorRecipe.self, from: Data(#"{"lightingJitter": {"exposure": 1.6, "cast": 0.3, "probability": 0.5}}"#.utf8))
        #expect(recipe.lightingJitter == LightingJitter(exposure: 1.6, cast: 0.3, probability: 0.5))
        let encoded = String(decoding: try JSONEncoder().encode(recipe), as: UTF8.self)
        #expect(encoded.contains("lightingJitter"), "a recipe with it keeps it in its fingerprint")
        recipe.lightingJitter?.exposure = 0.2
        #expect(recipe.problem?.contains("exposure") == true)
    }
}
