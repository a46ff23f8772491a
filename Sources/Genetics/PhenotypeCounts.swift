/// How many flies of each of the eight phenotypes were counted.
///
/// Encodes as a JSON object keyed by `Phenotype.key` ({"red-long-female": 41, …}) so a
/// report or a hand-written counts file is readable; all eight keys are written.
public struct PhenotypeCounts: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Counts in `Phenotype.all` order.
    public private(set) var values: [Int]

    /// All zero.
    public init() { values = Array(repeating: 0, count: Phenotype.all.count) }

    /// From a dictionary; phenotypes not in it count 0. Counts must not be negative.
    public init(_ counts: [Phenotype: Int]) {
        self.init()
        for (p, n) in counts { self[p] = n }
    }

    /// From eight counts in `Phenotype.all` order (females first: red-long, red-miniature,
    /// white-long, white-miniature; then the same for males).
    public init(ordered counts: [Int]) {
        precondition(counts.count == Phenotype.all.count, "PhenotypeCounts needs 8 counts, got \(counts.count)")
        self.init()
        for (p, n) in zip(Phenotype.all, counts) { self[p] = n }
    }

    public subscript(_ p: Phenotype) -> Int {
        get { values[p.index] }
        set {
            // A negative count is a programming error in the caller (the count command only
            // adds flies); decoding rejects negative counts with an error instead.
            precondition(newValue >= 0, "negative count \(newValue) for \(p.name)")
            values[p.index] = newValue
        }
    }

    public mutating func add(_ p: Phenotype, count: Int = 1) { self[p] += count }

    public var total: Int { values.reduce(0, +) }

    /// Flies whose phenotype satisfies `predicate`.
    public func count(where predicate: (Phenotype) -> Bool) -> Int {
        Phenotype.all.reduce(0) { $0 + (predicate($1) ? self[$1] : 0) }
    }

    public func count(eye: EyeColour) -> Int { count { $0.eye == eye } }
    public func count(wing: WingLength) -> Int { count { $0.wing == wing } }
    public func count(sex: Sex) -> Int { count { $0.sex == sex } }

    /// Marginal totals.
    public var byEye: [EyeColour: Int] { Dictionary(uniqueKeysWithValues: EyeColour.allCases.map { ($0, count(eye: $0)) }) }
    public var byWing: [WingLength: Int] { Dictionary(uniqueKeysWithValues: WingLength.allCases.map { ($0, count(wing: $0)) }) }
    public var bySex: [Sex: Int] { Dictionary(uniqueKeysWithValues: Sex.allCases.map { ($0, count(sex: $0)) }) }

    public static func + (lhs: PhenotypeCounts, rhs: PhenotypeCounts) -> PhenotypeCounts {
        var sum = lhs
        sum += rhs
        return sum
    }

    public static func += (lhs: inout PhenotypeCounts, rhs: PhenotypeCounts) {
        for i in lhs.values.indices { lhs.values[i] += rhs.values[i] }
    }

    public var description: String {
        Phenotype.all.map { "\($0.key): \(self[$0])" }.joined(separator: ", ")
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        self.init()
        for key in container.allKeys {
            guard let p = Phenotype(key: key.stringValue) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "unknown phenotype '\(key.stringValue)' (expected e.g. red-long-female)")
            }
            let n = try container.decode(Int.self, forKey: key)
            guard n >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                       debugDescription: "negative count \(n) for \(p.key)")
            }
            self[p] = n
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for p in Phenotype.all { try container.encode(self[p], forKey: Key(stringValue: p.key)) }
    }
}
