// swift-tools-version:6.0
// FlyTally: counts Drosophila phenotypes in photos. Layers and their one-way
// dependencies are described in docs/ARCHITECTURE.md.
import PackageDescription
import Foundation

// The kernels are compiled for x86-64-v3 (AVX2, FMA, F16C: every x86 CPU since 2013-2015) so
// that SIMD8<Float> becomes one AVX register and multiply-adds fuse. FLYTALLY_PORTABLE=1
// builds for the x86-64 baseline instead. `flytally` checks the CPU at start-up and says so
// rather than crashing on an older processor.
// Release builds of the kernels also drop integer-overflow checks (-Ounchecked): their index
// arithmetic is validated by the geometry checks before any kernel runs, and the checks
// otherwise block vectorisation of the inner loops.
var kernelSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
var cliSettings: [SwiftSetting] = []
#if arch(x86_64)
if ProcessInfo.processInfo.environment["FLYTALLY_PORTABLE"] == nil {
    kernelSettings.append(.unsafeFlags(["-target-cpu", "haswell"]))
} else {
    cliSettings.append(.define("FLYTALLY_PORTABLE"))
}
#endif

let package = Package(
    name: "FlyTally",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flytally", targets: ["flytally"]),
        .library(name: "ImageIO", targets: ["ImageIO"]),
        .library(name: "ImageProcessing", targets: ["ImageProcessing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries (C). Their headers come from the Debian -dev packages that
        // scripts/install-system-packages installs.
        .systemLibrary(
            name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),

        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),

        // Integer (int8) kernels in C: AVX2 intrinsics chosen at run time, portable C otherwise.
        .target(name: "CQuantKernels", cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]),

        // Engine, bottom to top: raw kernels → tensors → autograd → layers → models.
        .target(
            name: "TensorKernels",
            dependencies: [.target(name: "CBLAS", condition: .when(platforms: [.linux])), "CQuantKernels"],
            swiftSettings: kernelSettings),

        .target(name: "Tensors", dependencies: ["TensorKernels"]),
        .target(name: "Autograd", dependencies: ["Tensors", "TensorKernels"]),
        .target(name: "Layers", dependencies: ["Autograd", "Tensors"]),
        .target(name: "Optimizers", dependencies: ["Layers", "Autograd", "Tensors"]),
        .target(name: "Models", dependencies: ["Architectures", "Inference", "Layers", "Autograd", "Tensors", "SafeTensors"]),
        // Training support: checkpoints (atomic, resumable) and the non-finite guard.
        .target(name: "Training", dependencies: ["Models", "Optimizers", "Layers", "Autograd", "Tensors", "SafeTensors"]),
        // The fly trait classifier: model, keypoint code, training recipe, evaluation.
        .target(name: "Traits", dependencies: ["Models", "Training", "Quantization", "Optimizers", "Layers", "Autograd", "Tensors", "TensorKernels", "Inference",
                                               "Datasets", "Augmentation", "ImageIO", "ImageProcessing", "SafeTensors"]),
        // The fly detector: centre-based (CenterNet-style) on MobileNetV3, targets, decoding.
        .target(name: "Detector", dependencies: ["Models", "Training", "Quantization", "Optimizers", "Layers", "Autograd", "Tensors",
                                                 "TensorKernels", "Datasets", "ImageIO", "ImageProcessing", "SafeTensors",
                                                 "Augmentation", "Inference"]),
        // Architecture descriptions shared by the trainable models and the inference plans.
        .target(name: "Architectures", dependencies: ["TensorKernels"]),
        // Compiled inference (BN folded, activations fused, buffers planned once); no autograd.
        .target(name: "Inference", dependencies: ["Architectures", "Tensors", "TensorKernels"]),

        // Post-training quantisation: calibration (activation statistics → ranges), quantised model files.
        .target(name: "Quantization", dependencies: ["Architectures", "Inference", "Tensors", "TensorKernels", "SafeTensors"]),

        .target(name: "EngineBenchmark", dependencies: ["Models", "Inference", "Quantization", "Optimizers", "Layers", "Autograd", "Tensors", "TensorKernels"]),

        // Model files: safetensors read/write (no dependency on the engine's types).
        .target(name: "SafeTensors"),

        // Vision layer: decoding/encoding, then pixel operations.
        .target(name: "ImageIO", dependencies: ["CTurboJPEG", "CPNG"]),
        .target(name: "ImageProcessing", dependencies: ["ImageIO"]),
        // Annotation model and dataset formats (COCO, Pascal VOC, YOLO, trait CSV), crop export.
        .target(name: "Datasets", dependencies: ["ImageIO", "ImageProcessing"]),
        // Image augmentation for training (improved RandAugment), moving keypoints with the pixels.
        .target(name: "Augmentation", dependencies: ["ImageIO", "ImageProcessing", "Tensors"]),
        // FlySim: procedural photos of anaesthetised flies with exact ground truth.
        .target(name: "FlySim", dependencies: ["Datasets", "ImageIO", "ImageProcessing", "Tensors"]),

        // Front end: terminal output helpers, the commands, and a one-line executable.
        .target(name: "ConsoleOutput"),
        // Crosses, expected ratios and the statistics of the lab report; no dependencies.
        .target(name: "Genetics"),
        // The default models, as package resources (see Sources/DefaultModels/Bundled/README.md).
        .target(name: "DefaultModels", resources: [.copy("Bundled")]),
        // Compression-aware training: BN-folded, power-of-two (INQ) and sparse mixed-precision (SQS) weight quantisers, export to compressed files.
        .target(name: "Compression", dependencies: ["Quantization", "Optimizers", "Layers", "Autograd", "Tensors"]),
        // The [compress] method table on a generated public-style benchmark (10-class synthetic shapes).
        .target(name: "CompressionBenchmark", dependencies: ["Compression", "Quantization", "Models", "Training", "Optimizers", "Layers", "Autograd", "Tensors", "SafeTensors"]),
        // The count: photos → detections → crops → traits → records, tables, report.
        .target(name: "Counting", dependencies: ["Detector", "Traits", "Genetics", "Datasets", "ImageIO", "ImageProcessing", "TensorKernels"]),
        .target(
            name: "FlyCLI",
            dependencies: [
                "ImageIO", "ImageProcessing", "ConsoleOutput", "EngineBenchmark", "Models", "Datasets", "Traits", "Detector", "Genetics", "Counting", "DefaultModels", "SafeTensors",
                "TensorKernels", "FlySim", "Inference", "Tensors", "Layers", "Autograd", "Quantization", "Compression", "CompressionBenchmark",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cliSettings),
        .executableTarget(name: "flytally", dependencies: ["FlyCLI"]),

        .testTarget(name: "TensorKernelsTests", dependencies: ["TensorKernels"]),
        .testTarget(name: "QuantizationTests",
                    dependencies: ["Quantization", "Inference", "Models", "Architectures", "Tensors", "TensorKernels", "SafeTensors"]),
        // Test support: counts heap allocations (proves inference plans allocate nothing per call).
        .target(name: "_AllocationCounter", path: "Sources/_AllocationCounter"),
        .testTarget(name: "EngineTests",
                    dependencies: ["TensorKernels", "Tensors", "Autograd", "Layers", "Optimizers", "Models", "SafeTensors",
                                   "Inference", "Training", "_AllocationCounter"]),
        .testTarget(name: "TraitsTests", dependencies: ["Traits", "Augmentation", "Datasets", "ImageProcessing", "ImageIO", "Tensors", "Autograd", "Models", "Layers", "Inference", "Quantization", "SafeTensors"]),
        .testTarget(name: "DetectorTests", dependencies: ["Detector", "Augmentation", "Datasets", "Tensors", "Autograd", "Models", "SafeTensors"]),
        .testTarget(name: "CompressionTests", dependencies: ["Compression", "CompressionBenchmark", "Quantization", "Layers", "Autograd", "Tensors", "SafeTensors", "Models"]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "ImageIO", "ImageProcessing"]),
        .testTarget(name: "AugmentationTests", dependencies: ["Augmentation", "ImageIO", "ImageProcessing", "Tensors"]),
        .testTarget(name: "FlySimTests", dependencies: ["FlySim", "Datasets", "ImageIO", "ImageProcessing", "Tensors"]),
        .testTarget(name: "ImageProcessingTests", dependencies: ["ImageProcessing"]),
        .testTarget(name: "ConsoleOutputTests", dependencies: ["ConsoleOutput"]),
        .testTarget(name: "GeneticsTests", dependencies: ["Genetics"]),
        .testTarget(name: "CountingTests", dependencies: ["Counting", "Genetics", "Datasets", "ImageIO"]),
        .testTarget(name: "FlyCLITests", dependencies: ["FlyCLI", "flytally", "ImageIO", "ImageProcessing", "Detector", "Traits", "SafeTensors", "Tensors"]),
    ],
    swiftLanguageModes: [.v6]
)
