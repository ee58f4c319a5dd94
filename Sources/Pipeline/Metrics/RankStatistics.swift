/// Rank-based statistics: they ask whether energy *orders* frames by error or surprise, which is
/// what an uncertainty signal must do, without assuming energy and error are on the same scale.
public enum RankStatistics {
    /// Ranks starting at 1, ties given the average of the ranks they span.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for i in start...end { ranks[order[i]] = average }
            start = end + 1
        }
        return ranks
    }

    /// Spearman's rank correlation; nil when either side is constant or there are fewer than 3 pairs.
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double? {
        precondition(a.count == b.count)
        guard a.count >= 3 else { return nil }
        return pearson(ranks(a), ranks(b))
    }

    public static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) { sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb) }
        guard saa > 0, sbb > 0 else { return nil }
        return sab / (saa * sbb).squareRoot()
    }

    /// Area under the ROC curve of `scores` for the `positives`: the chance a random positive scores
    /// higher than a random negative, ties counting half. nil without both classes.
    public static func auroc(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count)
        let p = positives.filter { $0 }.count, n = positives.count - p
        guard p > 0, n > 0 else { return nil }
        let r = ranks(scores)
        let positiveRankSum = zip(r, positives).filter { $0.1 }.map(\.0).reduce(0, +)
        return (positiveRankSum - Double(p * (p + 1)) / 2) / Double(p * n)
    }
}
