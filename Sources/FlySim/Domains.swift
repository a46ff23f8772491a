import ImageIO

/// The surface the flies lie on.
public enum FlySimSurface: Sendable, Equatable {
    /// Matte coloured card with a mottled fibre texture and small coloured flecks (`fleckColour`).
    case card(colour: RGB, fleckColour: RGB)
    /// White porous polyethylene CO₂ pad: fine pores, faint sheen.
    case co2Pad
    /// White or cream paper with fibres.
    case paper(colour: RGB)
}

/// Printed lines on the surface.
public struct FlySimGrid: Sendable, Equatable {
    public var colour: RGB
    /// Distance between lines (millimetres).
    public var spacing: ClosedRange<Double>
    /// Line width (millimetres).
    public var width: ClosedRange<Double>
    /// Every `majorEvery`-th line is `majorWidth` wide and fully dark (0: no major lines).
    public var majorEvery: Int
    public var majorWidth: Double
    /// Strength of the minor lines (0…1).
    public var minorStrength: Double

    public init(colour: RGB, spacing: ClosedRange<Double>, width: ClosedRange<Double>, majorEvery: Int = 0,
                majorWidth: Double = 0, minorStrength: Double = 1) {
        self.colour = colour
        self.spacing = spacing
        self.width = width
        self.majorEvery = majorEvery
        self.majorWidth = majorWidth
        self.minorStrength = minorStrength
    }
}

/// A named family of photos: surface, lighting, camera and magnification distributions.
/// Train on some domains and hold out another to test generalisation.
public struct FlySimDomain: Sendable, Equatable {
    public var name: String
    /// One line for people.
    public var summary: String
    public var surface: FlySimSurface
    /// Each photo draws a surface colour within this fraction of `surface`'s (per channel).
    public var surfaceColourJitter: Double
    public var grid: FlySimGrid?
    /// Chance that the photo shows the grid at all.
    public var gridProbability: Double
    /// A glass Petri dish holds the flies; outside it the bench shows.
    public var petriDish: Bool
    /// Photo through a microscope eyepiece: a dark circle cuts the field.
    public var eyepiece: Bool
    /// Shorter side of the photo in millimetres (sets the magnification: a female is 2.5 mm).
    public var fieldOfView: ClosedRange<Double>
    public var megapixels: ClosedRange<Double>
    /// Width / height of the photos, one chosen per photo.
    public var aspectRatios: [Double]
    /// Overall brightness multiplier.
    public var exposure: ClosedRange<Double>
    /// Colour temperature shift: −1 cool (bluish) … +1 warm (orange), and green–magenta tint.
    public var warmth: ClosedRange<Double>
    public var tint: ClosedRange<Double>
    /// Brightness change across the photo (fraction from one side to the other).
    public var gradient: ClosedRange<Double>
    /// Darkening at the corners (fraction).
    public var vignetting: ClosedRange<Double>
    /// Height of the main light above the surface, degrees (90: straight above, soft shadows
    /// all round; lower: longer shadows away from the light).
    public var lightElevation: ClosedRange<Double>
    /// Darkening under a fly's shadow (0…1) and its blur as a fraction of the fly length.
    public var shadowStrength: ClosedRange<Double>
    public var shadowSoftness: ClosedRange<Double>
    /// Defocus: Gaussian sigma as a fraction of the fly length.
    public var blur: ClosedRange<Double>
    /// Sensor noise: standard deviation in 8-bit levels at mid grey.
    public var noise: ClosedRange<Double>
    /// Unsharp-mask amount (phone processing).
    public var sharpening: ClosedRange<Double>
    /// Colour saturation multiplier.
    public var saturation: ClosedRange<Double>
    /// JPEG quality the photo would typically be saved with (`FlySimPhoto.jpegQuality`).
    public var jpegQuality: ClosedRange<Int>
    /// Dust specks and stray fibres per square centimetre.
    public var dust: Double
    public var fibres: Double
    /// Each photo draws its own concrete domain (`varied`, VariedDomain.swift); the ranges
    /// above then only describe the draw's defaults.
    public var drawsPerPhoto: Bool

    public init(name: String, summary: String, surface: FlySimSurface, surfaceColourJitter: Double = 0.04,
                grid: FlySimGrid? = nil, gridProbability: Double = 1, petriDish: Bool = false, eyepiece: Bool = false,
                fieldOfView: ClosedRange<Double>, megapixels: ClosedRange<Double> = 2...12,
                aspectRatios: [Double] = [4.0 / 3, 3.0 / 2], exposure: ClosedRange<Double> = 0.95...1.05,
                warmth: ClosedRange<Double> = -0.05...0.05, tint: ClosedRange<Double> = -0.02...0.02,
                gradient: ClosedRange<Double> = 0...0.08, vignetting: ClosedRange<Double> = 0.05...0.2,
                lightElevation: ClosedRange<Double> = 60...80, shadowStrength: ClosedRange<Double> = 0.25...0.4,
                shadowSoftness: ClosedRange<Double> = 0.06...0.12, blur: ClosedRange<Double> = 0.004...0.01,
                noise: ClosedRange<Double> = 2...4, sharpening: ClosedRange<Double> = 0...0.2,
                saturation: ClosedRange<Double> = 0.95...1.05, jpegQuality: ClosedRange<Int> = 85...95,
                dust: Double = 0.5, fibres: Double = 0.05, drawsPerPhoto: Bool = false) {
        self.name = name
        self.summary = summary
        self.surface = surface
        self.surfaceColourJitter = surfaceColourJitter
        self.grid = grid
        self.gridProbability = gridProbability
        self.petriDish = petriDish
        self.eyepiece = eyepiece
        self.fieldOfView = fieldOfView
        self.megapixels = megapixels
        self.aspectRatios = aspectRatios
        self.exposure = exposure
        self.warmth = warmth
        self.tint = tint
        self.gradient = gradient
        self.vignetting = vignetting
        self.lightElevation = lightElevation
        self.shadowStrength = shadowStrength
        self.shadowSoftness = shadowSoftness
        self.blur = blur
        self.noise = noise
        self.sharpening = sharpening
        self.saturation = saturation
        self.jpegQuality = jpegQuality
        self.dust = dust
        self.fibres = fibres
        self.drawsPerPhoto = drawsPerPhoto
    }

    /// Light-blue card with a printed dark-red grid and green flecks, soft daylight: like
    /// the real teaching-lab photos in ../shared/data/real-aarongs.
    public static let labBlueCard = FlySimDomain(
        name: "lab-blue-card",
        summary: "light-blue card, printed dark-red grid, green flecks, soft even light, soft bluish shadows",
        surface: .card(colour: RGB(146, 193, 204), fleckColour: RGB(132, 202, 142)),
        grid: FlySimGrid(colour: RGB(112, 58, 54), spacing: 18...30, width: 0.14...0.22), gridProbability: 0.85,
        fieldOfView: 35...60, aspectRatios: [1094.0 / 768, 4.0 / 3, 3.0 / 2],
        vignetting: 0.03...0.12, lightElevation: 62...82, shadowStrength: 0.35...0.5, shadowSoftness: 0.07...0.13,
        blur: 0.003...0.008, noise: 2.5...4.5, sharpening: 0.2...0.6, jpegQuality: 88...96, dust: 0.4, fibres: 0.04)

    /// White porous CO₂ pad under a ring light: bright, nearly shadowless, warm-neutral.
    public static let co2PadWhite = FlySimDomain(
        name: "co2-pad-white",
        summary: "white porous CO2 pad, ring light, faint shadows all round, slightly warm",
        surface: .co2Pad, surfaceColourJitter: 0.02,
        fieldOfView: 28...48, exposure: 0.94...1.02, warmth: 0...0.12, gradient: 0...0.05, vignetting: 0.04...0.15,
        lightElevation: 80...90, shadowStrength: 0.14...0.26, shadowSoftness: 0.05...0.1,
        blur: 0.003...0.009, noise: 1.5...3.5, dust: 0.8, fibres: 0.08)

    /// A glass Petri dish on a bench or paper, lit by a desk lamp: a bright rim, the bench
    /// around it, longer shadows.
    public static let petriDish = FlySimDomain(
        name: "petri-dish",
        summary: "flies in a glass Petri dish (rim with highlights) on paper, bench around it, desk lamp",
        surface: .paper(colour: RGB(236, 233, 224)), surfaceColourJitter: 0.04, petriDish: true,
        fieldOfView: 70...100, exposure: 0.9...1.02, warmth: 0.05...0.3, gradient: 0.05...0.15, vignetting: 0.08...0.25,
        lightElevation: 50...70, shadowStrength: 0.3...0.45, shadowSoftness: 0.05...0.1,
        blur: 0.004...0.012, noise: 2...4.5, jpegQuality: 82...94, dust: 0.6, fibres: 0.06)

    /// Mid-grey card under a dim tungsten lamp from the side: underexposed, warm, noisy,
    /// strong vignetting and long shadows.
    public static let greyCardDim = FlySimDomain(
        name: "grey-card-dim",
        summary: "mid-grey card, dim warm lamp from the side, long shadows, dark corners, noisy",
        surface: .card(colour: RGB(132, 132, 128), fleckColour: RGB(110, 110, 108)), surfaceColourJitter: 0.06,
        fieldOfView: 35...60, exposure: 0.62...0.85, warmth: 0.3...0.6, tint: -0.03...0.03,
        gradient: 0.12...0.28, vignetting: 0.25...0.45, lightElevation: 35...55, shadowStrength: 0.35...0.5,
        shadowSoftness: 0.05...0.09, blur: 0.006...0.016, noise: 5...9, saturation: 0.85...1.0,
        jpegQuality: 75...90, dust: 0.5, fibres: 0.06)

    /// A phone held to a stereo-microscope eyepiece: circular field with dark surround,
    /// strong vignetting, colour cast, over-sharpened and noise-smoothed, lower JPEG quality.
    public static let phoneMicroscope = FlySimDomain(
        name: "phone-microscope",
        summary: "phone at a microscope eyepiece: circular field, dark surround, colour cast, over-sharpened",
        surface: .co2Pad, surfaceColourJitter: 0.03, eyepiece: true,
        fieldOfView: 20...34, megapixels: 3...12, aspectRatios: [4.0 / 3, 16.0 / 9],
        exposure: 0.85...1.05, warmth: -0.35...0.35, tint: -0.05...0.05, gradient: 0.03...0.12, vignetting: 0.25...0.45,
        lightElevation: 70...88, shadowStrength: 0.18...0.32, shadowSoftness: 0.05...0.1,
        blur: 0.006...0.016, noise: 3...6, sharpening: 0.5...1.1, saturation: 1.05...1.25,
        jpegQuality: 70...88, dust: 0.6, fibres: 0.05)

    /// White graph paper with printed blue-green millimetre lines, desk lamp.
    public static let graphPaper = FlySimDomain(
        name: "graph-paper",
        summary: "white graph paper, blue-green millimetre grid with bolder centimetre lines, desk lamp",
        surface: .paper(colour: RGB(243, 241, 233)), surfaceColourJitter: 0.025,
        grid: FlySimGrid(colour: RGB(96, 170, 168), spacing: 1...1, width: 0.04...0.07, majorEvery: 10,
                         majorWidth: 0.14, minorStrength: 0.45),
        fieldOfView: 40...70, exposure: 0.92...1.02, warmth: -0.1...0.2, gradient: 0.03...0.12,
        lightElevation: 55...75, shadowStrength: 0.25...0.4, shadowSoftness: 0.05...0.1,
        blur: 0.004...0.011, noise: 2...4.5, dust: 0.5, fibres: 0.12)

    /// Every preset, in a fixed order.
    public static let all: [FlySimDomain] = [.labBlueCard, .co2PadWhite, .petriDish, .greyCardDim, .phoneMicroscope, .graphPaper]

    /// Names of the presets (for command lines and held-out splits).
    public static var names: [String] { all.map(\.name) }

    /// A preset, or `varied` (domain randomisation), by name.
    public static func named(_ name: String) -> FlySimDomain? { (all + [.varied]).first { $0.name == name } }
}
