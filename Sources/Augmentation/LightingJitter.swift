import Foundation
import ImageIO
import Tensors

/// Photo-wide changes of light — exposure and a colour cast (white balance) — as another camera,
/// lamp or auto-exposure makes them. RandAugment's standard set has brightness and colour
/// (saturation) ops but no cast, and its brightness blends towards black rather than scaling
/// with clipping. On the real photos the bundled models lost long wings when the exposure
/// changed and flies and sexes under a cool cast (docs/RESULTS.md, "Real photos changed as a
/// student's camera might change them"); this is the training-time change for that.
///
/// Each channel is multiplied by its gain and clipped to 0…255, as an over-exposed photo
/// clips: exposure gain g drawn log-uniformly from 1/`exposure`…`exposure`, cast w uniformly
/// from −`cast`…`cast`; red × g(1 + w), green × g, blue × g(1 − w).
public struct LightingJitter: Codable, Sendable, Equatable {
    /// Largest exposure factor (≥ 1; 1: none).
    public var exposure: Double
    /// Largest colour cast (0…0.9; 0: none).
    public var cast: Double
    /// Share of the images changed (0…1).
    public var probability: Double

    public init(exposure: Double, cast: Double, probability: Double) {
        self.exposure = exposure
        self.cast = cast
        self.probability = probability
    }

    /// What is wrong with the numbers, if anything.
    public var problem: String? {
        if !(exposure >= 1 && exposure <= 4) { return "lightingJitter.exposure must be 1…4" }
        if !(cast >= 0 && cast <= 0.9) { return "lightingJitter.cast must be 0…0.9" }
        if !(probability >= 0 && probability <= 1) { return "lightingJitter.probability must be 0…1" }
        return nil
    }

    /// The gains (red, green, blue) for one draw: exposure gain g and cast w as above.
    public static func gains(exposureGain g: Double, cast w: Double) -> (Double, Double, Double) {
        (g * (1 + w), g, g * (1 - w))
    }

    /// Changes `image` with probability `probability`; draws from `rng` either way (three
    /// numbers), so the images after it see the same stream whatever happened here.
    public func apply(to image: inout RGBImage, rng: inout RandomSource) {
        let chance = Double(rng.uniform())
        let logGain = Double(rng.uniform(-1, 1)) * Foundation.log(exposure)
        let w = Double(rng.uniform(-1, 1)) * cast
        guard chance < probability else { return }
        let (r, g, b) = Self.gains(exposureGain: Foundation.exp(logGain), cast: w)
        var tables: [UInt8] = []
        tables.reserveCapacity(768)
        for gain in [r, g, b] { tables += (0..<256).map { PointOps.byte(Double($0) * gain) } }
        PointOps.applyChannelLUTs(&image, tables)
    }
}
