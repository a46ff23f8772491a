import Foundation
import Testing
@testable import Genetics

@Suite struct PhenotypeTests {
    @Test func eightPhenotypesFemalesFirst() {
        #expect(Phenotype.all.count == 8)
        #expect(Set(Phenotype.all).count == 8)
        #expect(Phenotype.all.map(\.key) == [
            "red-long-female", "red-miniature-female", "white-long-female", "white-miniature-female",
            "red-long-male", "red-miniature-male", "white-long-male", "white-miniature-male",
        ])
        for (i, p) in Phenotype.all.enumerated() { #expect(p.index == i) }
    }

    @Test func namesAndKeys() {
        let p = Phenotype(eye: .red, wing: .long, sex: .female)
        #expect(p.name == "red-eyed long-winged female")
        #expect(Phenotype(eye: .white, wing: .miniature, sex: .male).name == "white-eyed miniature-winged male")
        for p in Phenotype.all { #expect(Phenotype(key: p.key) == p) }
        #expect(Phenotype(key: "White-Miniature-Male") == Phenotype(eye: .white, wing: .miniature, sex: .male))
        #expect(Phenotype(key: "red-long") == nil)
        #expect(Phenotype(key: "blue-long-male") == nil)
    }

    @Test func countsTotalsAndMarginals() {
        let c = PhenotypeCounts(ordered: [1, 2, 3, 4, 10, 20, 30, 40])
        #expect(c.total == 110)
        #expect(c.bySex == [.female: 10, .male: 100])
        #expect(c.byEye == [.red: 33, .white: 77])
        #expect(c.byWing == [.long: 44, .miniature: 66])
        #expect(c.count { $0.eye == .white && $0.sex == .male } == 70)
        #expect(c[Phenotype(eye: .white, wing: .long, sex: .male)] == 30)
    }

    @Test func countsAdd() {
        var a = PhenotypeCounts([Phenotype(eye: .red, wing: .long, sex: .male): 3])
        let b = PhenotypeCounts(ordered: [1, 1, 1, 1, 1, 1, 1, 1])
        #expect((a + b).total == 11)
        #expect((a + b)[Phenotype(eye: .red, wing: .long, sex: .male)] == 4)
        a += b
        a.add(Phenotype(eye: .white, wing: .long, sex: .female), count: 5)
        #expect(a.total == 16)
        #expect(a[Phenotype(eye: .white, wing: .long, sex: .female)] == 6)
    }

    @Test func countsEncodeAsObjectKeyedByPhenotype() throws {
        let c = PhenotypeCounts(ordered: [1, 2, 3, 4, 5, 6, 7, 8])
        let data = try JSONEncoder().encode(c)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Int]
        #expect(object["white-miniature-female"] == 4)
        #expect(object["red-long-male"] == 5)
        #expect(object.count == 8)
        #expect(try JSONDecoder().decode(PhenotypeCounts.self, from: data) == c)
    }

    @Test func countsDecodingRejectsUnknownPhenotypesAndNegativeCounts() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PhenotypeCounts.self, from: Data(#"{"blue-long-male": 3}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PhenotypeCounts.self, from: Data(#"{"red-long-male": -3}"#.utf8))
        }
        // Missing phenotypes count 0.
        let partial = try? JSONDecoder().decode(PhenotypeCounts.self, from: Data(#"{"red-long-male": 3}"#.utf8))
        #expect(partial?.total == 3)
    }
}
