import Foundation

// Reading user-defined crosses from JSON (format in docs/GENETICS.md). Decoding is strict —
// unknown keys are errors — because a misspelt "eyes" would otherwise silently turn a
// class into "any eye colour".

extension Cross {
    /// Reads and validates a cross file. Every failure is a `GeneticsError` whose description
    /// is one line starting with `path`.
    public static func read(path: String) throws(GeneticsError) -> Cross {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(file: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(file: path, reason: "permission denied or read error")
        }
        return try parse(data, file: path)
    }

    /// Decodes and validates a cross from JSON bytes; `file` names them in errors.
    public static func parse(_ data: Data, file: String) throws(GeneticsError) -> Cross {
        let cross: Cross
        do {
            cross = try JSONDecoder().decode(Cross.self, from: data)
        } catch let error as GeneticsError {
            throw error.inFile(file)
        } catch let error as DecodingError {
            throw describe(error, data: data, file: file)
        } catch {
            throw .malformed(file: file, detail: "\(error)")
        }
        try cross.validate(file: file)
        return cross
    }

    /// JSONDecoder only says "not valid JSON"; JSONSerialization says where ("Invalid value
    /// around character 8"), which is what someone fixing the file by hand needs.
    private static func syntaxProblem(_ data: Data) -> String? {
        if data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { return "the file is empty" }
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            guard let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String else { return nil }
            let line = text.split(separator: "\n").first.map(String.init) ?? text
            return line.hasSuffix(".") ? String(line.dropLast()) : line
        }
    }

    private static func describe(_ error: DecodingError, data: Data, file: String) -> GeneticsError {
        func path(_ context: DecodingError.Context) -> String {
            var s = ""
            for key in context.codingPath {
                if let i = key.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + key.stringValue }
            }
            return s.isEmpty ? "the top level" : s
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return .notJSON(file: file, detail: syntaxProblem(data) ?? context.debugDescription)
        case .dataCorrupted(let context):
            return .malformed(file: file, detail: "\(path(context)): \(context.debugDescription)")
        case .keyNotFound(let key, let context):
            return .malformed(file: file, detail: "\(path(context)): missing \"\(key.stringValue)\"")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return .malformed(file: file, detail: "\(path(context)): expected \(typeName(type))")
        @unknown default:
            return .malformed(file: file, detail: "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is [CrossClass].Type, is [String].Type: return "a list"
        default: return "an object"   // Cross, Linkage, CrossClass, dictionaries
        }
    }
}

/// Any key, so that the decoders can list what a JSON object actually contains.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Throws a malformed-file error for any key of `container` that is not in `known`.
private func rejectUnknownKeys(_ container: KeyedDecodingContainer<AnyKey>, known: [String], in place: String) throws {
    for key in container.allKeys where !known.contains(key.stringValue) {
        throw GeneticsError.malformed(
            file: nil, detail: "unknown key \"\(key.stringValue)\" in \(place) (expected \(known.joined(separator: ", ")))")
    }
}

extension Cross {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try rejectUnknownKeys(c, known: ["name", "description", "classes", "linkage", "tests", "allowUncovered"],
                              in: "the cross")
        let testNames = try c.decodeIfPresent([String].self, forKey: AnyKey("tests"))
        let tests = try testNames.map { names in
            try names.map { name in
                guard let t = TraitPair(rawValue: name.lowercased()) else {
                    throw GeneticsError.malformed(file: nil, detail: "unknown test \"\(name)\" in \"tests\" (expected "
                                                  + TraitPair.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                }
                return t
            }
        }
        self.init(name: try c.decodeIfPresent(String.self, forKey: AnyKey("name")) ?? "custom",
                  description: try c.decodeIfPresent(String.self, forKey: AnyKey("description")) ?? "",
                  classes: try c.decode([CrossClass].self, forKey: AnyKey("classes")),
                  linkage: try c.decodeIfPresent(Linkage.self, forKey: AnyKey("linkage")),
                  tests: tests,
                  allowUncovered: try c.decodeIfPresent(Bool.self, forKey: AnyKey("allowUncovered")) ?? false)
    }
}

extension CrossClass {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let position = decoder.codingPath.last?.intValue.map { "#\($0 + 1)" } ?? "?"
        let givenName = try c.decodeIfPresent(String.self, forKey: AnyKey("name"))
        let label = givenName ?? position
        try rejectUnknownKeys(c, known: ["name", "eye", "wing", "sex", "ratio", "role"], in: "class '\(label)'")
        func trait<T: RawRepresentable<String>>(_ key: String, _: T.Type) throws -> T? {
            guard let raw = try c.decodeIfPresent(String.self, forKey: AnyKey(key)) else { return nil }
            guard let value = T(rawValue: raw.lowercased()) else {
                throw GeneticsError.unknownTraitValue(file: nil, className: label, trait: key, value: raw)
            }
            return value
        }
        self.init(givenName, eye: try trait("eye", EyeColour.self), wing: try trait("wing", WingLength.self),
                  sex: try trait("sex", Sex.self), ratio: try c.decode(Double.self, forKey: AnyKey("ratio")),
                  role: try trait("role", LinkageRole.self))
    }
}

extension Linkage {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        try rejectUnknownKeys(c, known: ["genes", "mapDistance"], in: "\"linkage\"")
        self.init(genes: try c.decode(String.self, forKey: AnyKey("genes")),
                  mapDistance: try c.decodeIfPresent(Double.self, forKey: AnyKey("mapDistance")))
    }
}

extension GeneticsError {
    /// The same error attributed to `file` (decoders throw before they know the file).
    func inFile(_ file: String) -> GeneticsError {
        switch self {
        case .malformed(nil, let d): return .malformed(file: file, detail: d)
        case .noClasses(nil): return .noClasses(file: file)
        case .badRatio(nil, let n, let r): return .badRatio(file: file, className: n, ratio: r)
        case .unknownTraitValue(nil, let n, let t, let v): return .unknownTraitValue(file: file, className: n, trait: t, value: v)
        case .overlappingClasses(nil, let a, let b, let p): return .overlappingClasses(file: file, first: a, second: b, phenotype: p)
        case .uncoveredPhenotypes(nil, let p): return .uncoveredPhenotypes(file: file, phenotypes: p)
        case .badLinkage(nil, let d): return .badLinkage(file: file, detail: d)
        default: return self
        }
    }
}
