import Foundation
import Testing
import Augmentation
@testable import Traits

/// `lightingJitter` in the trait classifier's training config: optional (recipes without it keep their
/// checkpoint fingerprint), read from JSON, and checked.
@Suite struct LightingJitterRecipeTests {
    static let json = #"{"lightingJitter": {"exposure": 1.6, "cast": 0.3, "probability": 0.5}}"#

    @Test func traitRecipeReadsAndChecksIt() throws {
        let plain = String(decoding: try JSONEncoder().encode(TrainingRecipe()), as: UTF8.self)
        #expect(!plain.contains("lightingJitter"))
        var recipe = try JSONDecoder().decode(TrainingRecipe.self, from: Data(Self.json.utf8))
        #expect(recipe.lightingJitter == LightingJitter(exposure: 1.6, cast: 0.3, probability: 0.5))
        #expect(recipe.problem == nil)
        recipe.lightingJitter?.cast = 2
        #expect(recipe.problem?.contains("cast") == true)
    }
}
