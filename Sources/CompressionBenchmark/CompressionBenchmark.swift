import Compression
import Foundation
import Layers
import Models
import Quantization
import SafeTensors
import Tensors

/// The [compress] method table on a public-style benchmark (`SyntheticShapes`), so the methods'
/// relative order can be compared with the source studies' tables: a MobileNetV3 trained in
/// fp32 from scratch, then every method applied to a copy of it exactly as `flytally compress`
/// applies it to the trait classifier (same `CompressionProcedure`, same compressed file format).
///
/// Work is kept in `directory`: the fp32 training checkpoint, each phase's checkpoint, and each
/// finished row as JSON — an interrupted run continues where it stopped.
public struct CompressionBenchmark {
    public struct Settings: Sendable {
        public var trainCount = 20000
        public var testCount = 2000
        public var widthMultiplier = 0.5
        public var epochs = 20
        public var learningRate: Float = 0.1
        public var finetuneEpochs = 2
        public var finetuneLearningRate: Float = 0.005
        public var seed: UInt64 = 1
        /// LSQ-BN rows: batch-norm statistics frozen during fine-tuning.
        public var freezeBatchNormStatistics = false
        /// LSQ rows: where learned steps start.
        public var lsqStart = FakeQuantizer.StepInitialisation.minimumError
        public init() {}
    }

    public struct Row: Codable, Sendable {
        public var name: String
        public var method: String
        public var bits: String
        public var accuracy: Double
        public var accuracyDropPoints: Double
        public var sparsity: Double
        public var averageBits: Double
        public var compressionRatio: Double
        public var fileBytes: Int
        public var imagesPerSecond: Double
        public var trainingSeconds: Double
    }

    /// The rows of the evidence table, as (name, spec) with the fine-tuning epochs of `settings`.
    public static func rows(_ settings: Settings) -> [(name: String, spec: CompressionSpec)] {
        func spec(_ method: CompressionMethod, _ w: Int, _ a: Int = 8, epochs: Int? = nil) -> CompressionSpec {
            var s = CompressionSpec(method: method)
            s.weightBits = w
            s.activationBits = a
            s.epochs = epochs ?? settings.finetuneEpochs
            s.finetuneEpochs = max(1, settings.finetuneEpochs / 2)
            s.freezeBatchNormStatistics = settings.freezeBatchNormStatistics
            s.lsqStart = settings.lsqStart
            return s
        }
        let inqEpochs = max(1, settings.finetuneEpochs / 2)
        return [
            ("ptq-w8a8", spec(.qat, 8, epochs: 0)), ("ptq-w4a8", spec(.qat, 4, epochs: 0)),
            ("qat-w8a8", spec(.qat, 8)), ("qat-w4a8", spec(.qat, 4)),
            ("lsq-w8a8", spec(.lsq, 8)), ("lsq-w4a8", spec(.lsq, 4)), ("lsq-w4a4", spec(.lsq, 4, 4)), ("lsq-w2a8", spec(.lsq, 2)),
            ("lsqbn-w8a8", spec(.lsqBN, 8)), ("lsqbn-w4a8", spec(.lsqBN, 4)),
            ("inq-w4", spec(.inq, 4, epochs: inqEpochs)), ("inq-w5", spec(.inq, 5, epochs: inqEpochs)), ("inq-w8", spec(.inq, 8, epochs: inqEpochs)),
            ("sqs", spec(.sqs, 8)),
        ]
    }

    public let settings: Settings
    public let directory: String
    let training = ShapeTraining()

    public init(settings: Settings, directory: String) {
        self.settings = settings
        self.directory = directory
    }

    var configuration: MobileNetV3Configuration {
        MobileNetV3Configuration(variant: .small, widthMultiplier: settings.widthMultiplier, logits: 10, dropout: 0.2)
    }

    /// Batch-norm momentum 0.1 rather than torchvision's 0.01: with a few hundred steps the
    /// running statistics would otherwise still lag the weights at evaluation.
    func makeModel() -> MobileNetV3 {
        let model = MobileNetV3(configuration, seed: settings.seed)
        model.setBatchNormMomentum(0.1)
        return model
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Trains (or loads) the fp32 model, then runs each requested row not already finished.
    /// Returns the fp32 row followed by the method rows, in table order.
    public func run(only names: Set<String>? = nil, log: (String) -> Void) throws -> [Row] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        log("generating \(settings.trainCount) training and \(settings.testCount) test images (\(SyntheticShapes.classNames.count) classes, 32×32)")
        let train = SyntheticShapes.make(count: settings.trainCount, seed: settings.seed)
        let test = SyntheticShapes.make(count: settings.testCount, seed: settings.seed &+ 1_000_003)

        let base = makeModel()
        let started = Date()
        log("fp32: MobileNetV3-Small ×\(settings.widthMultiplier), \(settings.epochs) epochs")
        try training.train(base, on: train, epochs: settings.epochs, learningRate: settings.learningRate,
                           checkpoint: path("fp32.checkpoint.safetensors"), log: log)
        let baseState = try base.stateFile(layout: .ohwi)
        let originalBytes = baseState.encode().count
        let (baseAccuracy, baseSpeed) = training.evaluate(base, on: test, repeats: 5)
        var rows = [Row(name: "fp32", method: "FP32", bits: "32/32", accuracy: baseAccuracy, accuracyDropPoints: 0, sparsity: 0, averageBits: 32,
                        compressionRatio: 1, fileBytes: originalBytes, imagesPerSecond: baseSpeed, trainingSeconds: Date().timeIntervalSince(started))]
        log(String(format: "fp32 test accuracy %.2f %%", 100 * baseAccuracy))

        for (name, spec) in Self.rows(settings) where names?.contains(name) ?? true {
            let resultPath = path("row-\(name).json")
            if let data = FileManager.default.contents(atPath: resultPath), let row = try? JSONDecoder().decode(Row.self, from: data) {
                rows.append(row)
                continue
            }
            log("\(name): \(spec.method.rawValue) \(spec.bitsLabel)")
            let rowStarted = Date()
            let model = makeModel()
            try model.loadState(from: baseState)
            try CompressionProcedure.run(spec, on: model, initialise: {
                CompressionAttachment.initialiseQuantizers(in: model, with: train.batch(Array(0..<64)).0)
            }, fineTune: { epochs, checkpoint, _ in
                try training.train(model, on: train, epochs: epochs, learningRate: settings.finetuneLearningRate,
                                   checkpoint: path("\(name).\(checkpoint).checkpoint.safetensors"), log: log)
            }, log: { log("  " + $0) })
            let accuracy = training.evaluate(model, on: test).accuracy
            let tensors = try CompressionProcedure.finish(model)
            let file = try CompressedModelFile.make(floatState: try model.stateFile(layout: .ohwi), compressed: tensors,
                                                    metadata: ["compression": "\(spec.method.rawValue) \(spec.bitsLabel)"])
            let bytes = file.encode()
            try Data(bytes).write(to: URL(fileURLWithPath: path("\(name).safetensors")))
            // Speed as the runtime runs it: the file decompressed to a float model.
            let reloaded = makeModel()
            try reloaded.loadState(from: try CompressedModelFile.decompress(file))
            let speed = training.evaluate(reloaded, on: test, repeats: 5).imagesPerSecond
            let summary = try CompressionSummary(file: file)
            let row = Row(name: name, method: spec.method.rawValue, bits: spec.bitsLabel, accuracy: accuracy,
                          accuracyDropPoints: 100 * (baseAccuracy - accuracy), sparsity: summary.sparsity, averageBits: summary.averageBits,
                          compressionRatio: Double(originalBytes) / Double(bytes.count), fileBytes: bytes.count, imagesPerSecond: speed,
                          trainingSeconds: Date().timeIntervalSince(rowStarted))
            try JSONEncoder().encode(row).write(to: URL(fileURLWithPath: resultPath))
            log(String(format: "  test accuracy %.2f %% (Acc↓ %+.2f points), ×%.1f", 100 * accuracy, row.accuracyDropPoints, row.compressionRatio))
            rows.append(row)
        }
        return rows
    }

    /// Re-times every finished row's compressed file (decompressed, as the runtime runs it)
    /// alternately with the fp32 model: median of `repeats` passes over the test set each, so
    /// all speeds of the table come from one quiet run. Updates the rows' JSON.
    public func retime(_ rows: [Row], repeats: Int = 5, log: (String) -> Void) throws -> [Row] {
        let test = SyntheticShapes.make(count: settings.testCount, seed: settings.seed &+ 1_000_003)
        let base = makeModel()
        try base.loadState(from: try SafeTensorsFile.read(path: path("fp32.checkpoint.safetensors")), prefix: "model.")
        var result = rows
        var fp32Speeds: [Double] = []
        for (i, row) in rows.enumerated() where row.name != "fp32" {
            let model = makeModel()
            try model.loadState(from: try CompressedModelFile.decompress(try SafeTensorsFile.read(path: path("\(row.name).safetensors"))))
            var speeds: [Double] = []
            for _ in 0..<repeats {
                speeds.append(training.evaluate(model, on: test).imagesPerSecond)
                fp32Speeds.append(training.evaluate(base, on: test).imagesPerSecond)
            }
            result[i].imagesPerSecond = speeds.sorted()[speeds.count / 2]
            try JSONEncoder().encode(result[i]).write(to: URL(fileURLWithPath: path("row-\(row.name).json")))
            log(String(format: "%@: %.0f img/s", row.name as NSString, result[i].imagesPerSecond))
        }
        if let f = result.firstIndex(where: { $0.name == "fp32" }), !fp32Speeds.isEmpty { result[f].imagesPerSecond = fp32Speeds.sorted()[fp32Speeds.count / 2] }
        return result
    }

    /// The rows as a markdown table.
    public static func table(_ rows: [Row]) -> String {
        var lines = ["| Method | W/A bits | top-1 % | Acc↓ (points) | Sp % | Ave. bits | compression × | file KB | images/s |",
                     "|---|---|---|---|---|---|---|---|---|"]
        for r in rows {
            lines.append(String(format: "| %@ | %@ | %.2f | %+.2f | %.1f | %.2f | %.1f | %.0f | %.0f |", r.name as NSString, r.bits as NSString,
                                100 * r.accuracy, r.accuracyDropPoints, 100 * r.sparsity, r.averageBits, r.compressionRatio,
                                Double(r.fileBytes) / 1024, r.imagesPerSecond))
        }
        return lines.joined(separator: "\n")
    }
}
