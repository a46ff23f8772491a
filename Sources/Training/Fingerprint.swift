import Foundation

/// A short, stable text fingerprint of a training recipe (FNV-1a over its JSON with sorted
/// keys), stored in checkpoints so `--resume` refuses a checkpoint made with another recipe.
public func recipeFingerprint<Recipe: Encodable>(_ recipe: Recipe) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys   // key order is otherwise not stable on Linux
    let data = (try? encoder.encode(recipe)) ?? Data()
    return String(data.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }, radix: 16)
}
