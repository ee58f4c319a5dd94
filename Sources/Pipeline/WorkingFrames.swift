import Foundation
import EBT
import PatchCodec
import VideoIO

/// How a model sees a clip: at its working size, in the clip's own aspect ratio.
public enum WorkingFrames {
    /// The model's codec on the grid it reads `clip` at: the long side at the model's working
    /// size and the short side in proportion (`PatchGrid.working`). Models without a working size
    /// read every clip at their codec's grid, as they were trained. The clip's aspect is the one
    /// its frames are read in: upright, unless `keepOrientation` reads them as stored.
    public static func codec(for clip: URL, model: ModelFile, keepOrientation: Bool = false) throws -> PatchCodec {
        guard let longSide = model.network.config.workingLongSide else { return model.codec }
        let shown = try VideoReader(url: clip, options: ReadOptions(keepOrientation: keepOrientation)).outputSize
        return try model.codec.regridded(PatchGrid.working(sourceWidth: shown.width, sourceHeight: shown.height,
                                                           longSide: longSide, patchSize: model.codec.grid.patchSize))
    }
}

extension PatchLayout {
    /// The layout of a codec's patch grid.
    public init(_ grid: PatchGrid) { self.init(rows: grid.rows, columns: grid.columns) }
}
