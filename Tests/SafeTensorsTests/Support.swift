import Foundation
@testable import SafeTensors

/// Helpers shared by the SafeTensors tests.
enum Support {
    /// The package root, found from this file's path (Tests/SafeTensorsTests/Support.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The reference file made with PyTorch, in the shared data checkout beside the repository.
    static let goldenOpsPath = packageRoot.appendingPathComponent("../shared/golden/ops.safetensors").standardized.path

    static var goldenAvailable: Bool { FileManager.default.fileExists(atPath: goldenOpsPath) }

    /// A file made by hand: the 8-byte little-endian length of `header`, `header`, then `data`.
    static func fileBytes(header: String, data: [UInt8] = []) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        let length = UInt64(headerBytes.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + headerBytes + data
    }

    /// The error `decode` throws for `bytes`, or `nil` when they decode.
    static func decodeError(_ bytes: [UInt8]) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsFile.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    /// The error for a file whose header is `header` and whose data is `data`.
    static func headerError(_ header: String, data: [UInt8] = []) -> SafeTensorsError? {
        decodeError(fileBytes(header: header, data: data))
    }

    /// A fresh empty directory, removed by the caller with `removeDirectory`.
    static func makeTemporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A small valid file with three dtypes, a scalar and metadata.
    static func smallFile() throws -> SafeTensorsFile {
        try SafeTensorsFile(
            entries: [
                SafeTensorsEntry(name: "w", shape: [2, 2], floats: [1, -2, 0.5, 3]),
                SafeTensorsEntry(name: "h", shape: [3], float16s: [1, 2, 3]),
                SafeTensorsEntry(name: "q", shape: [2], int8s: [-128, 127]),
                SafeTensorsEntry(name: "s", shape: [], floats: [7]),
            ],
            metadata: ["note": "small"])
    }
}

/// Little-endian bytes of `values`, written out one by one (independent of the code under test).
func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
