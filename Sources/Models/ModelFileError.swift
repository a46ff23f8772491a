/// A model or config file FlyTally cannot use; the message names the file (and the tensor or
/// field where there is one). Shared by the trait classifier and the detector.
public struct ModelFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
}
