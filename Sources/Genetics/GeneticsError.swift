/// Everything that can go wrong in this module, each with a one-line `description` that a
/// student can act on. Errors about a cross file start with the file's path.
public enum GeneticsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, a directory, no permission).
    case unreadable(file: String, reason: String)
    /// The bytes are not JSON at all.
    case notJSON(file: String, detail: String)
    /// JSON, but not the shape of a cross (a missing field, a wrong type, an unknown key).
    case malformed(file: String?, detail: String)
    /// The cross lists no classes.
    case noClasses(file: String?)
    /// A class's ratio is zero, negative or not finite.
    case badRatio(file: String?, className: String, ratio: Double)
    /// A trait value other than red/white, long/miniature, female/male, or a bad role.
    case unknownTraitValue(file: String?, className: String, trait: String, value: String)
    /// Two classes both match one phenotype, so a fly would be counted twice.
    case overlappingClasses(file: String?, first: String, second: String, phenotype: String)
    /// Some phenotypes match no class (and the cross does not say `"allowUncovered": true`).
    case uncoveredPhenotypes(file: String?, phenotypes: [String])
    /// Parental/recombinant roles and the linkage description do not fit together.
    case badLinkage(file: String?, detail: String)
    /// A recombination frequency outside 0…0.5 was asked for.
    case invalidRecombination(Double)
    /// A significance level outside (0, 1).
    case invalidAlpha(Double)
    /// `Cross.named` was given a name it does not know.
    case unknownCross(String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read the cross file (\(reason))"
        case .notJSON(let file, let detail):
            return "\(file): not a JSON file (\(detail))"
        case .malformed(let file, let detail):
            return Self.prefix(file) + detail
        case .noClasses(let file):
            return Self.prefix(file) + "the cross has no classes; list at least two in \"classes\""
        case .badRatio(let file, let name, let ratio):
            return Self.prefix(file) + "class '\(name)' has ratio \(Format.trimmed(ratio)); ratios must be positive numbers"
        case .unknownTraitValue(let file, let name, let trait, let value):
            let allowed: String
            switch trait {
            case "eye": allowed = "red or white"
            case "wing": allowed = "long or miniature"
            case "sex": allowed = "female or male"
            case "role": allowed = "parental or recombinant"
            default: allowed = "a known value"
            }
            return Self.prefix(file) + "class '\(name)' has unknown \(trait) value '\(value)' (expected \(allowed))"
        case .overlappingClasses(let file, let first, let second, let phenotype):
            return Self.prefix(file)
                + "classes '\(first)' and '\(second)' overlap (both match \(phenotype)); each fly must fall in one class"
        case .uncoveredPhenotypes(let file, let phenotypes):
            return Self.prefix(file) + "no class matches \(phenotypes.joined(separator: ", "))"
                + "; add classes for them or set \"allowUncovered\": true to leave those flies out"
        case .badLinkage(let file, let detail):
            return Self.prefix(file) + detail
        case .invalidRecombination(let r):
            return "recombination frequency \(r) is outside 0…0.5"
        case .invalidAlpha(let a):
            return "significance level \(a) must be between 0 and 1 (e.g. 0.05)"
        case .unknownCross(let name):
            return "unknown cross '\(name)'; built-in crosses are \(Cross.builtInNames.joined(separator: ", ")), or give a JSON file"
        }
    }

    private static func prefix(_ file: String?) -> String { file.map { "\($0): " } ?? "cross: " }
}
