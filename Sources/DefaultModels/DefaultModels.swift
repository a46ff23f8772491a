import Foundation

/// The models shipped inside the package (resources of this target), so `flytally count`
/// works with no download.
public enum DefaultModels {
    public enum Kind: String, Sendable, CaseIterable {
        case traitClassifier = "traits-small"
        case fastDetector = "detector-fast"
    }

    /// Path of a bundled model, or nil when the package was built without it.
    public static func path(_ kind: Kind) -> String? {
        guard let url = Bundle.module.url(forResource: kind.rawValue, withExtension: "safetensors", subdirectory: "Bundled") else {
            return nil
        }
        return url.path
    }
}
