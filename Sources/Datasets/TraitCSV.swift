import Foundation

/// Trait labels as CSV, one fly per row, with a header. Columns (any order, case-insensitive):
/// `file` (required), `eye`, `wing`, `sex` (values as in FlyTraits, or `unknown`/empty), and
/// optionally `x`, `y`, `width`, `height` (box in the file's pixels), `pose`, and keypoints
/// `head_x, head_y, tail_x, tail_y, wing1_x, wing1_y, wing2_x, wing2_y`, `hidden` (the keypoints,
/// by name and space-separated, that lie outside the photo or under another fly — FlySim's
/// crops; empty = all visible), and `pseudo` (yes when a teacher model, not a person, gave the
/// labels — `flytally pseudo-label`).
public enum TraitCSV {
    public struct Row: Sendable, Equatable {
        public var file: String
        public var fly: FlyAnnotation
        public var pseudoLabelled: Bool
        public init(file: String, fly: FlyAnnotation, pseudoLabelled: Bool = false) {
            self.file = file
            self.fly = fly
            self.pseudoLabelled = pseudoLabelled
        }
    }

    public static let columns = ["file", "eye", "wing", "sex", "pose", "x", "y", "width", "height",
                                 "head_x", "head_y", "tail_x", "tail_y", "wing1_x", "wing1_y", "wing2_x", "wing2_y"]

    public static func read(path: String) -> (rows: [Row], problems: [DatasetProblem]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return ([], [DatasetProblem(file: path, message: "cannot read file as UTF-8 text")])
        }
        return parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) -> (rows: [Row], problems: [DatasetProblem]) {
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { return ([], [DatasetProblem(file: source, message: "empty file")]) }
        let header = splitCSVLine(lines.removeFirst()).map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
        guard let fileColumn = header.firstIndex(of: "file") else {
            return ([], [DatasetProblem(file: source, message: "header has no 'file' column")])
        }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        var rows: [Row] = [], problems: [DatasetProblem] = []
        for (index, line) in lines.enumerated() {
            let record = "row \(index + 2)"
            let fields = splitCSVLine(line)
            guard fields.count == header.count else {
                problems.append(DatasetProblem(file: source, record: record, message: "\(fields.count) fields, header has \(header.count)"))
                continue
            }
            func value(_ name: String) -> String? {
                column(name).map { fields[$0].trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty || $0 == "unknown" ? nil : $0 }
            }
            var bad: String? = nil
            func parsed<T: RawRepresentable>(_ name: String, _ type: T.Type) -> T? where T.RawValue == String {
                guard let raw = value(name) else { return nil }
                guard let v = T(rawValue: raw.lowercased()) else { bad = "\(name) '\(raw)' is not one of the known values"; return nil }
                return v
            }
            let traits = FlyTraits(eye: parsed("eye", EyeColour.self), wing: parsed("wing", WingLength.self), sex: parsed("sex", Sex.self))
            let pose = parsed("pose", Pose.self)
            var box = BoundingBox(x: 0, y: 0, width: 0, height: 0)
            if let x = value("x"), let y = value("y"), let w = value("width"), let h = value("height") {
                guard let x = Double(x), let y = Double(y), let w = Double(w), let h = Double(h), w > 0, h > 0 else {
                    problems.append(DatasetProblem(file: source, record: record, message: "box values must be numbers with positive size"))
                    continue
                }
                box = BoundingBox(x: x, y: y, width: w, height: h)
            }
            if let bad {
                problems.append(DatasetProblem(file: source, record: record, message: bad))
                continue
            }
            var fly = FlyAnnotation(id: index + 1, box: box, traits: traits, pose: pose)
            let names = ["head_x", "head_y", "tail_x", "tail_y", "wing1_x", "wing1_y", "wing2_x", "wing2_y"]
            let k = names.compactMap { value($0).flatMap(Double.init) }
            if k.count == 8 {
                let hidden = value("hidden")?.split(separator: " ").map(String.init) ?? []
                if let unknown = hidden.first(where: { !FlyKeypoints.names.contains($0) }) {
                    problems.append(DatasetProblem(file: source, record: record,
                                                   message: "hidden keypoint '\(unknown)' is not one of \(FlyKeypoints.names.joined(separator: ", "))"))
                    continue
                }
                fly.keypoints = FlyKeypoints(head: .init(k[0], k[1]), tail: .init(k[2], k[3]), wing1: .init(k[4], k[5]), wing2: .init(k[6], k[7]),
                                             visible: FlyKeypoints.names.map { !hidden.contains($0) })
            }
            let file = fields[fileColumn].trimmingCharacters(in: .whitespaces)
            guard !file.isEmpty else {
                problems.append(DatasetProblem(file: source, record: record, message: "empty 'file'"))
                continue
            }
            rows.append(Row(file: file, fly: fly, pseudoLabelled: ["yes", "true", "1"].contains(value("pseudo")?.lowercased() ?? "")))
        }
        return (rows, problems)
    }

    public static func encode(_ rows: [Row]) -> String {
        // The `hidden` and `pseudo` columns appear only when some row needs them.
        let hidden = rows.contains { !($0.fly.keypoints?.hiddenNames.isEmpty ?? true) }
        let pseudo = rows.contains(where: \.pseudoLabelled)
        var out = (columns + (hidden ? ["hidden"] : []) + (pseudo ? ["pseudo"] : [])).joined(separator: ",") + "\n"
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        for row in rows {
            let t = row.fly.traits
            var fields = [quoteCSV(row.file), t.eye?.rawValue ?? "unknown", t.wing?.rawValue ?? "unknown",
                          t.sex?.rawValue ?? "unknown", row.fly.pose?.rawValue ?? "unknown",
                          f(row.fly.box.x), f(row.fly.box.y), f(row.fly.box.width), f(row.fly.box.height)]
            if let k = row.fly.keypoints {
                fields += k.all.flatMap { [f($0.x), f($0.y)] }
            } else {
                fields += [String](repeating: "", count: 8)
            }
            if hidden { fields.append(row.fly.keypoints?.hiddenNames.joined(separator: " ") ?? "") }
            if pseudo { fields.append(row.pseudoLabelled ? "yes" : "no") }
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    public static func write(_ rows: [Row], to path: String) throws {
        try Data(encode(rows).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Splits one CSV line, honouring double-quoted fields with "" escapes.
public func splitCSVLine(_ line: String) -> [String] {
    var fields: [String] = [], current = "", quoted = false
    var iterator = Array(line).makeIterator()
    var pending: Character? = nil
    while let c = pending ?? iterator.next() {
        pending = nil
        if quoted {
            if c == "\"" {
                if let next = iterator.next() {
                    if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                } else { quoted = false }
            } else { current.append(c) }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            fields.append(current); current = ""
        } else {
            current.append(c)
        }
    }
    fields.append(current)
    return fields
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, quote or newline.
public func quoteCSV(_ s: String) -> String {
    s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}
