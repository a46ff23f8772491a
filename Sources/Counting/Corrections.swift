import Datasets
import Foundation

/// A user's corrections of counted flies, read from a CSV with a header naming its columns:
/// `photo` and `fly` (as in flies.csv) pick the fly; any of `eye`, `wing`, `sex` set a trait
/// (an empty cell keeps the model's call); `remove` = yes drops a detection that is not a fly.
public struct Corrections: Sendable {
    public struct Entry: Sendable, Equatable {
        public var photo: String
        public var fly: Int
        public var eye: String?
        public var wing: String?
        public var sex: String?
        public var remove: Bool
        /// Line in the file, for messages.
        public var line: Int
    }

    public var entries: [Entry]
    public let path: String

    static let allowed = ["eye": ["red", "white"], "wing": ["long", "miniature"], "sex": ["female", "male"]]

    /// Reads the file; bad lines are returned as one-line problems naming the file and line.
    public static func read(path: String) throws -> (Corrections, [String]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CountingError(message: "\(path): cannot read the corrections file")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw CountingError(message: "\(path): empty corrections file") }
        let columns = splitCSVLine(header).map { $0.lowercased() }
        guard let photoColumn = columns.firstIndex(of: "photo"), let flyColumn = columns.firstIndex(of: "fly") else {
            throw CountingError(message: "\(path): the header must name the columns photo and fly (and any of eye, wing, sex, remove)")
        }
        var entries: [Entry] = [], problems: [String] = []
        for (n, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let cells = splitCSVLine(line)
            func cell(_ name: String) -> String? {
                guard let i = columns.firstIndex(of: name), i < cells.count else { return nil }
                let v = cells[i].trimmingCharacters(in: .whitespaces).lowercased()
                return v.isEmpty ? nil : v
            }
            guard photoColumn < cells.count, flyColumn < cells.count, let fly = Int(cells[flyColumn].trimmingCharacters(in: .whitespaces)), fly >= 1 else {
                problems.append("\(path): line \(n + 1): needs a photo and a fly number ≥ 1")
                continue
            }
            let entry = Entry(photo: cells[photoColumn].trimmingCharacters(in: .whitespaces), fly: fly, eye: cell("eye"), wing: cell("wing"),
                              sex: cell("sex"), remove: ["yes", "true", "1"].contains(cell("remove") ?? ""), line: n + 1)
            var bad: String? = nil
            for (trait, values) in allowed {
                let v = trait == "eye" ? entry.eye : trait == "wing" ? entry.wing : entry.sex
                if let v, !values.contains(v) { bad = "\(trait) must be \(values.joined(separator: " or ")), not '\(v)'" }
            }
            if let bad {
                problems.append("\(path): line \(n + 1): \(bad)")
                continue
            }
            // A row that changes nothing confirms the model's call (it clears the review flag).
            entries.append(entry)
        }
        return (Corrections(entries: entries, path: path), problems)
    }

    /// The records with the corrections applied, and a problem line for every entry that names
    /// no counted fly.
    public func apply(to records: [FlyRecord]) -> ([FlyRecord], [String]) {
        var out = records, problems: [String] = [], removed = Set<Int>()
        for e in entries {
            guard let i = out.firstIndex(where: { $0.photo == e.photo && $0.fly == e.fly }) else {
                problems.append("\(path): line \(e.line): no fly \(e.fly) in photo '\(e.photo)' in flies.json")
                continue
            }
            if e.remove { removed.insert(i); continue }
            if let v = e.eye { out[i].eye = v }
            if let v = e.wing { out[i].wing = v }
            if let v = e.sex { out[i].sex = v }
            out[i].review = false
            out[i].corrected = true
        }
        return (out.enumerated().filter { !removed.contains($0.offset) }.map(\.element), problems)
    }
}

public struct CountingError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
