/// In a cross whose expected ratio depends on a recombination frequency r, each class is
/// either a parental one (weight 1 − r) or a recombinant one (weight r); classes without a
/// role do not depend on r.
public enum LinkageRole: String, Hashable, Codable, Sendable {
    case parental, recombinant
}

/// One class of a cross: the phenotypes it takes in (any trait left nil matches both values)
/// and its share of the expected ratio.
public struct CrossClass: Hashable, Codable, Sendable {
    public var name: String
    public var eye: EyeColour?
    public var wing: WingLength?
    public var sex: Sex?
    /// Relative weight: 9, 3, 3, 1 for a dihybrid F2. For a class with a linkage role it is
    /// the share of its parental (or recombinant) group, multiplied by 1 − r (or r).
    public var ratio: Double
    public var role: LinkageRole?

    /// `name` defaults to the traits in words, e.g. "red-eyed long-winged".
    public init(_ name: String? = nil, eye: EyeColour? = nil, wing: WingLength? = nil, sex: Sex? = nil,
                ratio: Double, role: LinkageRole? = nil) {
        self.name = name ?? CrossClass.defaultName(eye: eye, wing: wing, sex: sex)
        self.eye = eye
        self.wing = wing
        self.sex = sex
        self.ratio = ratio
        self.role = role
    }

    public func matches(_ p: Phenotype) -> Bool {
        (eye == nil || eye == p.eye) && (wing == nil || wing == p.wing) && (sex == nil || sex == p.sex)
    }

    /// Unnormalised expected weight at recombination frequency r.
    public func weight(recombination r: Double) -> Double {
        switch role {
        case nil: return ratio
        case .parental: return ratio * (1 - r)
        case .recombinant: return ratio * r
        }
    }

    /// "red-eyed long-winged female", "white-eyed", "male"; "any fly" when nothing is set.
    public static func defaultName(eye: EyeColour?, wing: WingLength?, sex: Sex?) -> String {
        let words = [eye.map { "\($0.rawValue)-eyed" }, wing.map { "\($0.rawValue)-winged" }, sex.map(\.rawValue)]
            .compactMap { $0 }
        return words.isEmpty ? "any fly" : words.joined(separator: " ")
    }
}

/// The genes whose linkage a cross measures.
public struct Linkage: Hashable, Codable, Sendable {
    /// Which genes, in words, e.g. "white (w) and miniature (m), X chromosome".
    public var genes: String
    /// Their distance on the standard genetic map in centimorgans (map units), if known.
    public var mapDistance: Double?

    public init(genes: String, mapDistance: Double? = nil) {
        self.genes = genes
        self.mapDistance = mapDistance
    }

    /// The recombination frequency a two-point cross is expected to show across
    /// `mapDistance`. Map distances add up short-interval frequencies, so over 34.6 cM the
    /// observed frequency is lower than 0.346 (double crossovers go unseen); Kosambi's map
    /// function, which allows for the crossover interference Drosophila shows, converts
    /// one to the other: r = ½ tanh(2d), d in morgans.
    public var referenceRecombination: Double? {
        mapDistance.map { MapFunction.kosambiRecombination(centimorgans: $0) }
    }
}

/// A 2×2 independence test between two traits.
public enum TraitPair: String, Hashable, Codable, Sendable, CaseIterable {
    /// Independent assortment of the eye and wing genes (an association means linkage).
    case eyeWing = "eye-wing"
    /// The same eye-colour proportions in both sexes (a difference suggests sex linkage).
    case eyeSex = "eye-sex"
    /// The same wing-length proportions in both sexes.
    case wingSex = "wing-sex"
}

/// A cross: the phenotype classes its offspring fall into and their expected ratio.
/// Its Codable form is the cross-file format described in docs/GENETICS.md.
public struct Cross: Hashable, Codable, Sendable {
    /// Short identifier, e.g. "white-miniature".
    public var name: String
    /// The parents, the generation counted and why the ratio is what it is.
    public var description: String
    public var classes: [CrossClass]
    /// Present when the expected ratio depends on a recombination frequency.
    public var linkage: Linkage?
    /// The 2×2 tests to report; nil derives them from the traits the classes use.
    public var tests: [TraitPair]?
    /// When true, flies whose phenotype no class matches are left out of the test (and
    /// reported as excluded) instead of the cross being rejected.
    public var allowUncovered: Bool

    public init(name: String, description: String, classes: [CrossClass], linkage: Linkage? = nil,
                tests: [TraitPair]? = nil, allowUncovered: Bool = false) {
        self.name = name
        self.description = description
        self.classes = classes
        self.linkage = linkage
        self.tests = tests
        self.allowUncovered = allowUncovered
    }

    /// Index of the class that takes `p`, nil if none (only possible with `allowUncovered`).
    public func classIndex(of p: Phenotype) -> Int? { classes.firstIndex { $0.matches(p) } }

    /// Expected proportion of each class (adds up to 1). `r` is used only by linked crosses.
    public func expectedProportions(recombination r: Double) -> [Double] {
        let weights = classes.map { $0.weight(recombination: r) }
        let sum = weights.reduce(0, +)
        return weights.map { sum > 0 ? $0 / sum : 0 }
    }

    /// The 2×2 tests worth reporting: the explicit list, or eye × wing when both traits are
    /// used and each used trait against sex (an autosomal trait should not differ by sex).
    public var independenceTests: [TraitPair] {
        if let tests { return tests }
        let eye = classes.contains { $0.eye != nil }, wing = classes.contains { $0.wing != nil }
        var pairs: [TraitPair] = []
        if eye && wing { pairs.append(.eyeWing) }
        if eye { pairs.append(.eyeSex) }
        if wing { pairs.append(.wingSex) }
        return pairs
    }

    /// "9:3:3:1" for a fixed ratio; for a linked cross, the ratio in words.
    public var ratioText: String {
        if linkage != nil { return "ratio expected for linked genes" }
        return classes.map { Format.trimmed($0.ratio) }.joined(separator: ":")
    }

    /// Checks that the cross can be analysed; `file` names the source in the error.
    /// Rules: at least two classes with distinct names; positive finite ratios; no
    /// phenotype in two classes; every phenotype in some class unless `allowUncovered`;
    /// linkage roles only with `linkage`, both roles present, and parental and recombinant
    /// ratios adding to the same total (then recombinants / (parental + recombinant) is the
    /// maximum-likelihood estimate of r).
    public func validate(file: String? = nil) throws(GeneticsError) {
        guard !classes.isEmpty else { throw .noClasses(file: file) }
        guard classes.count >= 2 else {
            throw .malformed(file: file, detail: "the cross has only one class ('\(classes[0].name)'); a ratio needs at least two")
        }
        var seen = Set<String>()
        for c in classes {
            guard seen.insert(c.name).inserted else {
                throw .malformed(file: file, detail: "two classes are called '\(c.name)'; give each class its own name")
            }
            guard c.ratio.isFinite, c.ratio > 0 else { throw .badRatio(file: file, className: c.name, ratio: c.ratio) }
        }
        var uncovered: [String] = []
        for p in Phenotype.all {
            let matching = classes.filter { $0.matches(p) }
            if matching.count > 1 {
                throw .overlappingClasses(file: file, first: matching[0].name, second: matching[1].name, phenotype: p.name)
            }
            if matching.isEmpty { uncovered.append(p.name) }
        }
        if !uncovered.isEmpty && !allowUncovered { throw .uncoveredPhenotypes(file: file, phenotypes: uncovered) }
        try validateLinkage(file: file)
    }

    private func validateLinkage(file: String?) throws(GeneticsError) {
        let parental = classes.filter { $0.role == .parental }, recombinant = classes.filter { $0.role == .recombinant }
        guard let linkage else {
            if let c = (parental + recombinant).first {
                throw .badLinkage(file: file, detail: "class '\(c.name)' has a role but the cross has no \"linkage\"")
            }
            return
        }
        guard !parental.isEmpty, !recombinant.isEmpty else {
            throw .badLinkage(file: file, detail: "a cross with \"linkage\" needs parental and recombinant classes (\"role\")")
        }
        let p = parental.reduce(0) { $0 + $1.ratio }, q = recombinant.reduce(0) { $0 + $1.ratio }
        guard abs(p - q) <= 1e-9 * max(p, q) else {
            throw .badLinkage(file: file, detail: "the parental classes' ratios add up to \(Format.trimmed(p)) but the "
                              + "recombinant classes' to \(Format.trimmed(q)); they must be equal")
        }
        if let d = linkage.mapDistance, !(d.isFinite && d >= 0) {
            throw .badLinkage(file: file, detail: "linkage mapDistance \(d) must be a distance in cM, 0 or more")
        }
    }
}
