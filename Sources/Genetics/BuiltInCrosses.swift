// The crosses FlyTally knows by name. docs/GENETICS.md explains each ratio.

extension Cross {
    /// Names accepted by `named(_:)`; the first is the default.
    public static let builtInNames = ["white-miniature", "monohybrid-eye", "monohybrid-wing", "dihybrid", "testcross", "sex-ratio"]

    /// The default cross: the one FlyTally was built for.
    public static var defaultCross: Cross { whiteMiniature }

    /// A built-in cross by name (case-insensitive).
    public static func named(_ name: String) throws(GeneticsError) -> Cross {
        switch name.lowercased() {
        case "white-miniature": return whiteMiniature
        case "monohybrid-eye": return monohybridEye
        case "monohybrid-wing": return monohybridWing
        case "dihybrid": return dihybrid
        case "testcross": return testcross
        case "sex-ratio": return sexRatio
        default: throw .unknownCross(name)
        }
    }

    /// F2 of white-eyed miniature-winged females (w m / w m) × wild-type males (+ + / Y),
    /// F1 intercrossed. Both genes are on the X. F1 females are w m / + +, F1 males w m / Y.
    /// F2 males get their only X from the F1 mother; F2 females get the father's w m X plus
    /// one from the mother, and w and m are recessive, so in both sexes the phenotype shows
    /// the mother's gamete: red long and white miniature (parental) (1 − r)/2 each, white
    /// long and red miniature (recombinant) r/2 each, with the sexes 1 : 1.
    public static let whiteMiniature: Cross = {
        var classes: [CrossClass] = []
        for sex in Sex.allCases {
            classes.append(CrossClass(eye: .red, wing: .long, sex: sex, ratio: 1, role: .parental))
            classes.append(CrossClass(eye: .red, wing: .miniature, sex: sex, ratio: 1, role: .recombinant))
            classes.append(CrossClass(eye: .white, wing: .long, sex: sex, ratio: 1, role: .recombinant))
            classes.append(CrossClass(eye: .white, wing: .miniature, sex: sex, ratio: 1, role: .parental))
        }
        return Cross(
            name: "white-miniature",
            description: "F2 of white-eyed miniature-winged females (w m/w m) × wild-type males (+ +/Y), F1 intercrossed; "
                + "w and m are X-linked, so in both sexes the F2 shows the F1 mother's gametes: parental red long and "
                + "white miniature (1 − r)/2 each, recombinant white long and red miniature r/2 each",
            classes: classes,
            // Standard map: white at 1-1.5, miniature at 1-36.1.
            linkage: Linkage(genes: "white (w, X 1.5) and miniature (m, X 36.1)", mapDistance: 34.6),
            tests: [.eyeWing, .eyeSex, .wingSex])
    }()

    public static let monohybridEye = Cross(
        name: "monohybrid-eye",
        description: "F2 of a monohybrid cross for eye colour, autosomal gene, red dominant: 3 red : 1 white in both sexes",
        classes: [CrossClass(eye: .red, ratio: 3), CrossClass(eye: .white, ratio: 1)],
        tests: [.eyeSex])

    public static let monohybridWing = Cross(
        name: "monohybrid-wing",
        description: "F2 of a monohybrid cross for wing length, autosomal gene, long dominant: 3 long : 1 miniature in both sexes",
        classes: [CrossClass(wing: .long, ratio: 3), CrossClass(wing: .miniature, ratio: 1)],
        tests: [.wingSex])

    public static let dihybrid = Cross(
        name: "dihybrid",
        description: "F2 of a dihybrid cross, two unlinked autosomal genes, red and long dominant: "
            + "9 red long : 3 red miniature : 3 white long : 1 white miniature",
        classes: [CrossClass(eye: .red, wing: .long, ratio: 9), CrossClass(eye: .red, wing: .miniature, ratio: 3),
                  CrossClass(eye: .white, wing: .long, ratio: 3), CrossClass(eye: .white, wing: .miniature, ratio: 1)],
        tests: [.eyeWing])

    public static let testcross = Cross(
        name: "testcross",
        description: "Testcross of a double heterozygote to a white miniature double recessive, genes unlinked: "
            + "1 red long : 1 red miniature : 1 white long : 1 white miniature",
        classes: [CrossClass(eye: .red, wing: .long, ratio: 1), CrossClass(eye: .red, wing: .miniature, ratio: 1),
                  CrossClass(eye: .white, wing: .long, ratio: 1), CrossClass(eye: .white, wing: .miniature, ratio: 1)],
        tests: [.eyeWing])

    public static let sexRatio = Cross(
        name: "sex-ratio",
        description: "Sex ratio: 1 female : 1 male",
        classes: [CrossClass(sex: .female, ratio: 1), CrossClass(sex: .male, ratio: 1)],
        tests: [])
}
