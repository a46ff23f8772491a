import Foundation

/// Turns command-line arguments (files and directories) into the list of image files to
/// process, plus one problem per argument that yields nothing.
public enum ImageFileCollector {
    public struct Result: Sendable {
        /// Files in argument order; each directory's images sorted by path.
        public var files: [String] = []
        /// Arguments that could not be used (missing path, directory without images).
        public var problems: [ImageFileError] = []
    }

    /// Explicit files are kept whatever their extension (decoding checks the bytes);
    /// directories are searched recursively for .jpg/.jpeg/.png files, skipping hidden ones.
    public static func collect(_ arguments: [String]) -> Result {
        var result = Result()
        var seen = Set<String>()
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                result.problems.append(ImageFileError(path: argument, error: .fileNotFound))
                continue
            }
            let found = isDirectory.boolValue ? imagesInDirectory(argument) : [argument]
            if found.isEmpty {
                result.problems.append(ImageFileError(path: argument, error: .noImagesInDirectory))
            }
            for file in found where seen.insert(file).inserted {
                result.files.append(file)
            }
        }
        return result
    }

    static func imagesInDirectory(_ directory: String) -> [String] {
        // Resolved, because the enumerator does not descend into a directory given as a symbolic
        // link (a linked photo folder would otherwise look empty).
        let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath()
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var files: [String] = []
        for case let url as URL in enumerator
        where ImageFormat.fileExtensions.contains(url.pathExtension.lowercased()) {
            // A linked photo counts as the file it points to (a data split made of links);
            // a dangling link, or one to a folder, is skipped.
            let target = url.resolvingSymlinksInPath()
            if (try? target.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                // Keep paths as the user would type them: the argument plus the relative part.
                let relative = url.path.dropFirst(root.path.count).drop { $0 == "/" }
                files.append(directory.hasSuffix("/") ? directory + relative : directory + "/" + relative)
            }
        }
        return files.sorted()
    }
}
