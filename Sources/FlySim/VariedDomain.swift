import ImageIO
import Tensors

/// Domain randomisation: a domain that is not one kind of photo but draws a new one for every
/// photo — surface kind and colour, printed grid, dish or eyepiece, magnification, light,
/// camera and processing, each over the whole span that phone and lab-camera photos of
/// anaesthetised flies plausibly cover. Models trained on a handful of presets learn those
/// presets' look; the point of this domain is that no single look is learnable, so what is
/// left to learn is the fly. The held-out preset (grey-card-dim) is one point inside these
/// spans, so a model trained with `varied` is no longer tested on conditions outside its
/// training — the real photos stay the independent test (docs/RESULTS.md says which runs
/// used it).
extension FlySimDomain {
    public static let varied = FlySimDomain(
        name: "varied",
        summary: "domain randomisation: every photo draws its own surface, colours, grid, light, camera and processing",
        surface: .co2Pad, fieldOfView: 20...100, megapixels: 1...12, drawsPerPhoto: true)

    /// The concrete domain of one `varied` photo, a function of the photo's seed alone (its
    /// own random stream, so the layout and fly draws of the photo are those of any domain).
    static func variedDraw(seed: UInt64) -> FlySimDomain {
        var rng = RandomSource(seed: seed ^ 0x5641_5249_4544_0001)
        func colour(hue: ClosedRange<Double>, saturation: ClosedRange<Double>, value: ClosedRange<Double>) -> RGB {
            hsv(rng.double(hue), rng.double(saturation), rng.double(value))
        }
        let surface: FlySimSurface
        switch rng.int(0...2) {
        case 0:
            surface = .card(colour: colour(hue: 0...360, saturation: 0...0.45, value: 0.4...0.95),
                            fleckColour: colour(hue: 0...360, saturation: 0...0.5, value: 0.35...0.95))
        case 1: surface = .co2Pad
        default: surface = .paper(colour: colour(hue: 20...70, saturation: 0...0.12, value: 0.82...0.98))
        }
        var grid: FlySimGrid? = nil
        if rng.chance(0.4) {
            let ink = colour(hue: 0...360, saturation: 0.25...0.8, value: 0.25...0.7)
            grid = rng.chance(0.4)
                ? FlySimGrid(colour: ink, spacing: 1...1, width: 0.04...0.07, majorEvery: 10, majorWidth: 0.14,
                             minorStrength: rng.double(0.3...0.7))
                : FlySimGrid(colour: ink, spacing: 5...30, width: 0.08...0.25)
        }
        let eyepiece = rng.chance(0.15)
        let petriDish = !eyepiece && rng.chance(0.2)
        // Pick a sub-range of each span, so a photo is a coherent scene rather than every
        // parameter at its own extreme independently.
        func part(_ span: ClosedRange<Double>, width: Double) -> ClosedRange<Double> {
            let w = (span.upperBound - span.lowerBound) * width
            let low = rng.double(span.lowerBound...(span.upperBound - w))
            return low...(low + w)
        }
        let quality = rng.int(65...92)
        return FlySimDomain(
            name: varied.name, summary: varied.summary, surface: surface, surfaceColourJitter: 0.05,
            grid: grid, gridProbability: 1, petriDish: petriDish, eyepiece: eyepiece,
            fieldOfView: eyepiece ? part(18...36, width: 0.3) : part(25...100, width: 0.3),
            megapixels: varied.megapixels, aspectRatios: [4.0 / 3, 3.0 / 2, 16.0 / 9],
            exposure: part(0.6...1.1, width: 0.1), warmth: part(-0.4...0.6, width: 0.1),
            tint: part(-0.06...0.06, width: 0.2), gradient: part(0...0.3, width: 0.2),
            vignetting: part(0...0.45, width: 0.2), lightElevation: part(30...90, width: 0.2),
            shadowStrength: part(0.1...0.55, width: 0.2), shadowSoftness: part(0.04...0.14, width: 0.3),
            blur: part(0.002...0.018, width: 0.2), noise: part(1...10, width: 0.2),
            sharpening: part(0...1.1, width: 0.2), saturation: part(0.8...1.3, width: 0.1),
            jpegQuality: quality...(quality + 4), dust: rng.double(0...1), fibres: rng.double(0...0.15))
    }

    /// RGB of a hue in degrees and saturation and value in 0…1.
    static func hsv(_ hue: Double, _ saturation: Double, _ value: Double) -> RGB {
        let h = (hue.truncatingRemainder(dividingBy: 360) + 360).truncatingRemainder(dividingBy: 360) / 60
        let c = value * saturation, x = c * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1)), m = value - c
        let (r, g, b): (Double, Double, Double) = switch Int(h) {
        case 0: (c, x, 0)
        case 1: (x, c, 0)
        case 2: (0, c, x)
        case 3: (0, x, c)
        case 4: (x, 0, c)
        default: (c, 0, x)
        }
        func byte(_ v: Double) -> UInt8 { UInt8(max(0, min(255, ((v + m) * 255).rounded()))) }
        return RGB(byte(r), byte(g), byte(b))
    }
}
