import Foundation

/// The engine's kernels are compiled for x86-64 with AVX2 and FMA (see Package.swift). On an
/// older processor they would die with "illegal instruction"; this check turns that into a
/// sentence saying what to do.
enum CPUFeatures {
    /// Nil when the processor is fine (or cannot be inspected); otherwise the message.
    static func missingFeaturesMessage() -> String? {
        #if arch(x86_64) && os(Linux) && !FLYTALLY_PORTABLE
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        let missing = ["avx2", "fma", "f16c", "bmi1", "bmi2", "movbe"].filter { !flags.contains($0) }
        guard !missing.isEmpty else { return nil }
        return "this build of flytally needs a processor with \(missing.joined(separator: ", ").uppercased()) (x86-64-v3); "
            + "rebuild for older processors with: FLYTALLY_PORTABLE=1 swift build -c release"
        #else
        return nil
        #endif
    }
}
