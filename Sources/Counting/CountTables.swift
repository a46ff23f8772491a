import Datasets
import Foundation
import Genetics

/// Phenotype tallies of records, and the text tables written beside the report.
public enum CountTables {
    public static func phenotype(of r: FlyRecord) -> Phenotype? {
        guard let eye = Genetics.EyeColour(rawValue: r.eye), let wing = Genetics.WingLength(rawValue: r.wing),
              let sex = Genetics.Sex(rawValue: r.sex) else { return nil }
        return Phenotype(eye: eye, wing: wing, sex: sex)
    }

    /// Counts of the records (optionally leaving out flies marked for review).
    public static func counts(_ records: [FlyRecord], excludingReview: Bool = false) -> PhenotypeCounts {
        var counts = PhenotypeCounts()
        for r in records where !(excludingReview && r.review) {
            if let p = phenotype(of: r) { counts.add(p) }
        }
        return counts
    }

    static let csvColumns = ["photo", "fly", "x", "y", "width", "height", "score", "eye", "wing", "sex", "p_white", "p_miniature",
                             "p_male", "head_x", "head_y", "tail_x", "tail_y", "wing1_x", "wing1_y", "wing2_x", "wing2_y", "review", "corrected"]

    /// flies.csv: one row per fly.
    public static func fliesCSV(_ records: [FlyRecord]) -> String {
        var out = csvColumns.joined(separator: ",") + "\n"
        for r in records {
            var fields = [quoteCSV(r.photo), String(r.fly)] + r.box.map { String(format: "%.1f", $0) }
            fields += [String(format: "%.4f", r.score), r.eye, r.wing, r.sex]
            fields += [r.pWhite, r.pMiniature, r.pMale].map { String(format: "%.4f", $0) }
            if let k = r.keypoints {
                fields += (k.head + k.tail + k.wing1 + k.wing2).map { String(format: "%.1f", $0) }
            } else {
                fields += Array(repeating: "", count: 8)
            }
            fields += [r.review ? "yes" : "no", r.corrected ? "yes" : "no"]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// summary.csv: the 8 phenotype counts per photo and in total, with the review count.
    public static func summaryCSV(_ photos: [PhotoCount]) -> String {
        var out = (["photo"] + Phenotype.all.map(\.key) + ["total", "needs_review"]).joined(separator: ",") + "\n"
        func row(_ name: String, _ records: [FlyRecord]) -> String {
            let c = counts(records)
            return ([quoteCSV(name)] + Phenotype.all.map { String(c[$0]) } + [String(c.total), String(records.filter(\.review).count)])
                .joined(separator: ",") + "\n"
        }
        for p in photos { out += row(p.photo, p.flies) }
        out += row("TOTAL", photos.flatMap(\.flies))
        return out
    }
}
