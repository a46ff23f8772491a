// The eight phenotype classes FlyTally counts. This module has no dependencies, so it keeps
// its own trait enums; their raw values are the same words the Datasets module uses, so
// converting between the two is `Genetics.EyeColour(rawValue: datasetsEye.rawValue)!`.

/// Eye colour: red (wild type) or white (the *white* mutant, recessive).
public enum EyeColour: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case red, white
}

/// Wing length: long (wild type) or miniature (the *miniature* mutant, recessive).
public enum WingLength: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case long, miniature
}

public enum Sex: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case female, male
}

/// One fully specified fly: eye colour, wing length and sex.
public struct Phenotype: Hashable, Codable, Sendable, CustomStringConvertible {
    public var eye: EyeColour
    public var wing: WingLength
    public var sex: Sex

    public init(eye: EyeColour, wing: WingLength, sex: Sex) {
        self.eye = eye
        self.wing = wing
        self.sex = sex
    }

    /// All eight phenotypes in report order: females before males (a lab report tabulates
    /// each sex separately), then red before white, then long before miniature; within a
    /// sex the wild type comes first and the double mutant last.
    public static let all: [Phenotype] = Sex.allCases.flatMap { s in
        EyeColour.allCases.flatMap { e in WingLength.allCases.map { Phenotype(eye: e, wing: $0, sex: s) } }
    }

    /// Position in `all` (0…7), so counts can live in a fixed-size array.
    public var index: Int {
        (sex == .female ? 0 : 4) + (eye == .red ? 0 : 2) + (wing == .long ? 0 : 1)
    }

    /// Readable name, e.g. "red-eyed long-winged female".
    public var name: String { "\(eye.rawValue)-eyed \(wing.rawValue)-winged \(sex.rawValue)" }

    /// Compact key, e.g. "red-long-female": the JSON key of `PhenotypeCounts` and the same
    /// spelling FlySim uses for its phenotypes.
    public var key: String { "\(eye.rawValue)-\(wing.rawValue)-\(sex.rawValue)" }

    /// Parses a `key` ("white-miniature-male"); nil for anything else.
    public init?(key: String) {
        let parts = key.lowercased().split(separator: "-").map(String.init)
        guard parts.count == 3, let e = EyeColour(rawValue: parts[0]), let w = WingLength(rawValue: parts[1]),
              let s = Sex(rawValue: parts[2]) else { return nil }
        self.init(eye: e, wing: w, sex: s)
    }

    public var description: String { name }
}
