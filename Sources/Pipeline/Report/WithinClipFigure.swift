/// One per-clip statistic summarised across clips: a pooled figure can hide that the statistic is
/// low or reversed inside most clips (a pooled energy–error Spearman is carried by the clips'
/// different levels), so the report shows the clips' own values beside it.
struct WithinClipFigure {
    /// Clips that have the statistic.
    let clips: Int
    let mean: Double?
    /// The lowest clip's value and path.
    let lowest: (value: Double, clip: String)?
    /// Clips whose value is below `mark` (0 for a correlation, 0.5 for an AUROC: chance).
    let below: Int
    let mark: Double

    init(_ results: [ClipEvaluation], mark: Double, _ pick: (ClipEvaluation) -> Double?) {
        let values = results.filter { $0.error == nil }.compactMap { clip in pick(clip).map { (value: $0, clip: clip.clip) } }.filter(\.value.isFinite)
        clips = values.count
        mean = values.isEmpty ? nil : values.reduce(0) { $0 + $1.value } / Double(values.count)
        lowest = values.min { $0.value < $1.value }
        below = values.filter { $0.value < mark }.count
        self.mark = mark
    }
}
