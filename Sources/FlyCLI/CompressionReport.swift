import ConsoleOutput
import Foundation
import Quantization
import SafeTensors
import Traits

/// `flytally compress --report FILE`: the source studies' metrics of a compressed model file —
/// accuracy drop (Acc↓) where the run recorded accuracies, sparsity (Sp), average bits, and
/// the compression ratio from the actual file sizes — and the per-layer breakdown.
enum CompressionReport {
    struct Summary: Encodable {
        var file: String
        var method: String
        var fileBytes: Int
        var originalBytes: Int?
        var compressionRatio: Double?
        var sparsity: Double
        var averageBits: Double
        var compressedWeights: Int
        var fp32Accuracy: [Double]?
        var accuracy: [Double]?
        var accuracyDropPoints: [Double]?
        var layers: [Layer]
        /// Filled by a compression run: the reloaded file's accuracy and speed through the
        /// runtime (fp32 plan, float activations), and the fp32 model's speed measured alike.
        var runtimeAccuracy: [Double]?
        var runtimeImagesPerSecond: Double?
        var fp32ImagesPerSecond: Double?
    }

    struct Layer: Encodable {
        var name: String
        var values: Int
        var bits: Int
        var grid: String
        var sparsity: Double
        var storedBytes: Int
        var shareOfStorage: Double
    }

    static func summary(file path: String) throws -> Summary {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.read(path: path) } catch { throw InputFailure("\(path): \(error)") }
        guard let method = file.metadata[CompressedModelFile.methodKey] else {
            throw InputFailure("\(path): not a compressed model file (no '\(CompressedModelFile.methodKey)' metadata; write one with flytally compress)")
        }
        let stats: CompressionSummary
        do { stats = try CompressionSummary(file: file) } catch { throw InputFailure("\(path): \(error)") }
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? file.encode().count
        let original = file.metadata["original_bytes"].flatMap { Int($0) }
        func accuracies(_ key: String) -> [Double]? {
            file.metadata[key].map { $0.split(separator: ",").compactMap { Double($0) } }.flatMap { $0.count == 3 ? $0 : nil }
        }
        let fp32 = accuracies("fp32_accuracy"), compressed = accuracies("accuracy")
        let drop = fp32.flatMap { f in compressed.map { c in zip(f, c).map { 100 * ($0 - $1) } } }
        let storage = max(stats.layers.reduce(0) { $0 + $1.storedBytes }, 1)
        return Summary(file: path, method: method, fileBytes: fileBytes, originalBytes: original,
                       compressionRatio: original.map { Double($0) / Double(fileBytes) }, sparsity: stats.sparsity,
                       averageBits: stats.averageBits, compressedWeights: stats.weightCount, fp32Accuracy: fp32, accuracy: compressed,
                       accuracyDropPoints: drop,
                       layers: stats.layers.map { Layer(name: $0.name, values: $0.count, bits: $0.bits, grid: $0.grid, sparsity: $0.sparsity,
                                                         storedBytes: $0.storedBytes, shareOfStorage: Double($0.storedBytes) / Double(storage)) })
    }

    /// The file's accuracy and median speed as the runtime loads it (and the float model's,
    /// timed alternately in the same run) on labelled crops.
    static func measure(_ summary: inout Summary, data: [String], original: String?, repeats: Int) throws {
        let (samples, problems) = loadAll(data) { TraitSampleLoader.load($0) }
        for problem in problems { StandardError.line("skipped: \(problem)") }
        guard !samples.isEmpty else { throw InputFailure("no usable samples in \(data.joined(separator: ", "))") }
        let float: TraitClassifier?
        do { float = try original.map { try TraitModelFile.load($0) } } catch { throw InputFailure("\(error)") }
        try measure(&summary, samples: samples, float: float, repeats: repeats)
    }

    static func measure(_ summary: inout Summary, samples: [TraitSample], float: TraitClassifier?, repeats: Int) throws {
        let compressed: TraitClassifier
        do { compressed = try TraitModelFile.load(summary.file) } catch { throw InputFailure("\(error)") }
        func timed(_ model: TraitClassifier) -> (TraitMetrics, Double) {
            let started = Date()
            let metrics = TraitEvaluator.evaluate(model, samples: samples)
            return (metrics, Double(samples.count) / Date().timeIntervalSince(started))
        }
        var speeds: [Double] = [], floatSpeeds: [Double] = []
        for _ in 0..<repeats {
            let (metrics, speed) = timed(compressed)
            summary.runtimeAccuracy = metrics.traits.map(\.accuracy)
            speeds.append(speed)
            if let float { floatSpeeds.append(timed(float).1) }
        }
        summary.runtimeImagesPerSecond = speeds.sorted()[speeds.count / 2]
        if !floatSpeeds.isEmpty { summary.fp32ImagesPerSecond = floatSpeeds.sorted()[floatSpeeds.count / 2] }
    }

    static func print(file path: String, json: Bool) throws {
        try print(try summary(file: path), json: json)
    }

    static func print(_ s: Summary, json: Bool) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: try encoder.encode(s), as: UTF8.self))
            return
        }
        Swift.print("\(s.file): \(s.method)")
        var line = String(format: "  file %.1f KB", Double(s.fileBytes) / 1024)
        if let o = s.originalBytes, let r = s.compressionRatio { line += String(format: "  (fp32 %.1f KB, compression ×%.1f)", Double(o) / 1024, r) }
        line += String(format: "  Sp %.1f %%  Ave. bits %.2f  over %d weights", 100 * s.sparsity, s.averageBits, s.compressedWeights)
        Swift.print(line)
        if let f = s.fp32Accuracy, let a = s.accuracy, let d = s.accuracyDropPoints {
            func row(_ v: [Double]) -> String { v.map { String(format: "%6.2f", 100 * $0) }.joined(separator: " ") }
            Swift.print("  accuracy eye/wing/sex  fp32 \(row(f))  compressed \(row(a))  Acc↓ " + d.map { String(format: "%+.2f", $0) }.joined(separator: " ") + " points")
        }
        if let r = s.runtimeAccuracy, let speed = s.runtimeImagesPerSecond {
            Swift.print("  as loaded by the runtime (fp32 kernels, float activations): " + r.map { String(format: "%.2f", 100 * $0) }.joined(separator: " / ")
                        + String(format: "  %.0f img/s", speed) + (s.fp32ImagesPerSecond.map { String(format: " (fp32 model %.0f img/s)", $0) } ?? ""))
        }
        let width = max(s.layers.map(\.name.count).max() ?? 0, 5)
        Swift.print("  " + "layer".padding(toLength: width, withPad: " ", startingAt: 0) + "   values  bits  grid     sparsity   bytes  share")
        for l in s.layers {
            Swift.print("  " + l.name.padding(toLength: width, withPad: " ", startingAt: 0)
                        + String(format: " %8d  %4d  %@  %6.1f %%  %7d  %4.1f %%", l.values, l.bits, l.grid.padding(toLength: 7, withPad: " ", startingAt: 0),
                                 100 * l.sparsity, l.storedBytes, 100 * l.shareOfStorage))
        }
    }
}
