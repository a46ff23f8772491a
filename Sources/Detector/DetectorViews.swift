import Foundation
import ImageIO
import Tensors

/// Test-time augmentation for the detector: the network sees each input in several dihedral
/// views (flies lie in every orientation, and the detector trained on all eight), and the views'
/// output maps, turned back into the original orientation, are averaged before decoding. The
/// heat map averages as probabilities; box sizes and offsets as numbers, so a box is the mean
/// of the boxes its views saw (CenterNet averages flipped outputs the same way).
public enum DetectorViews {
    /// The view counts on offer: 1 (the input alone), 2 (+ mirrored left–right), 4 (+ the two
    /// other flips), 8 (+ the four transposed views).
    public static let counts = [1, 2, 4, 8]

    /// The first `count` views, identity first.
    static func views(_ count: Int) -> [Dihedral] {
        precondition(counts.contains(count), "views must be 1, 2, 4 or 8")
        let all = [false, true].flatMap { t in
            [(false, false), (true, false), (false, true), (true, true)].map { Dihedral(transpose: t, flipHorizontal: $0.0, flipVertical: $0.1) }
        }
        return Array(all.prefix(count))
    }

    /// The output maps [N, H, W, 5] of `inputs` (equally sized), each the average over `count`
    /// views: `network` runs once on the untransposed views of all inputs and once on the
    /// transposed ones (their maps are W×H).
    static func averagedOutput(_ inputs: [RGBImage], count: Int, network: ([RGBImage]) -> Tensor) -> Tensor {
        if count == 1 { return network(inputs) }
        let all = views(count)
        let groups = [all.filter { !$0.transpose }, all.filter(\.transpose)].filter { !$0.isEmpty }
        let maps = groups.map { group in
            network(inputs.flatMap { image in group.map { $0 == Dihedral.identity ? image : $0.apply(image) } })
        }
        return merge(maps, groups: groups, images: inputs.count)
    }

    /// Averages the maps of each view group ([N·V, h, w, 5], image-major; channels: heat logit,
    /// w, h, dx, dy) back into the orientation of the first group's identity view.
    static func merge(_ maps: [Tensor], groups: [[Dihedral]], images n: Int) -> Tensor {
        let height = maps[0].shape[1], width = maps[0].shape[2], cells = height * width
        let viewCount = groups.reduce(0) { $0 + $1.count }
        var merged = Tensor.zeros([n, height, width, 5])
        merged.scalars.withUnsafeMutableBufferPointer { dst in
            for (map, group) in zip(maps, groups) {
                precondition(map.shape == [n * group.count] + (group[0].transpose ? [width, height] : [height, width]) + [5],
                             "a view's output map has the wrong shape")
                map.withUnsafePointer { src in
                    for image in 0..<n {
                        let out = dst.baseAddress! + image * cells * 5
                        for (k, view) in group.enumerated() {
                            let viewMap = src + (image * group.count + k) * cells * 5
                            let viewWidth = view.transpose ? height : width
                            for y in 0..<height {
                                for x in 0..<width {
                                    let (vx, vy) = view.cell(x: x, y: y, width: width, height: height)
                                    let o = viewMap + (vy * viewWidth + vx) * 5, d = out + (y * width + x) * 5
                                    var (w, h, dx, dy) = (o[1], o[2], o[3], o[4])
                                    // Undo the flips in the transposed frame, then the transpose.
                                    if view.flipHorizontal { dx = 1 - dx }
                                    if view.flipVertical { dy = 1 - dy }
                                    if view.transpose { swap(&w, &h); swap(&dx, &dy) }
                                    d[0] += 1 / (1 + Foundation.exp(-o[0]))
                                    d[1] += w; d[2] += h; d[3] += dx; d[4] += dy
                                }
                            }
                        }
                    }
                }
            }
            let scale = 1 / Float(viewCount)
            for c in 0..<(n * cells) {
                let d = dst.baseAddress! + c * 5
                let p = min(max(d[0] * scale, 1e-6), 1 - 1e-6)
                d[0] = Foundation.log(p / (1 - p))
                for j in 1..<5 { d[j] *= scale }
            }
        }
        return merged
    }
}
