import ArgumentParser
import ConsoleOutput
import Detector
import Foundation
import SafeTensors
import Traits

/// `flytally quantize`: rewrite a model file in a smaller storage scheme.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite a trait classifier or detector in a smaller storage scheme.",
        discussion: """
            fp16: every weight stored as IEEE half precision (half the file); loading converts \
            back to fp32 and inference runs in fp32, so only the rounding of the weights \
            changes. The integer schemes of the [quant] issue are not implemented yet.
            """)

    enum Scheme: String, ExpressibleByArgument, CaseIterable { case fp16 }

    @Argument(help: "Model file (trait classifier or detector).")
    var model: String

    @Option(help: "Storage scheme.")
    var scheme: Scheme

    @Option(help: ArgumentHelp("Output model file.", valueName: "file"))
    var out: String

    func validate() throws {
        if (model as NSString).standardizingPath == (out as NSString).standardizingPath {
            throw ValidationError("--out must differ from the input model (the input is never overwritten).")
        }
    }

    func run() throws {
        let architecture: String?
        do { architecture = try SafeTensorsFile.read(path: model).metadata["architecture"] } catch { throw InputFailure("\(model): \(error)") }
        do {
            switch architecture {
            case TraitModelFile.architecture:
                try TraitModelFile.save(try TraitModelFile.load(model), to: out, extra: ["quantized_from": (model as NSString).lastPathComponent],
                                        float16: true)
            case DetectorModelFile.architecture:
                let (detector, threshold) = try DetectorModelFile.load(model)
                try DetectorModelFile.save(detector, threshold: threshold, to: out,
                                           extra: ["quantized_from": (model as NSString).lastPathComponent], float16: true)
            default:
                throw InputFailure("\(model): not a FlyTally trait classifier or detector (architecture '\(architecture ?? "missing")')")
            }
        } catch let failure as InputFailure {
            throw failure
        } catch {
            throw InputFailure("\(error)")
        }
        let before = (try? FileManager.default.attributesOfItem(atPath: model)[.size] as? Int) ?? 0
        let after = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        print("\(model) → \(out) (\(scheme.rawValue)): \(before / 1024) KB → \(after / 1024) KB"
              + String(format: " (%.0f%%)", 100 * Double(after) / Double(max(before, 1))))
    }
}
