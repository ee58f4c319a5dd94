/// Everything needed to rebuild a model's shape; stored as JSON in the model file's metadata.
public struct ModelConfig: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The energy-based transformer: predicts by minimising a learned energy.
        case ebt
        /// Transformer++: the same backbone predicting the next embedding in one pass.
        case baseline
    }

    public enum Size: String, Codable, Sendable, CaseIterable {
        case tiny, small, base
    }

    public var kind: Kind
    /// Values in one frame's embedding (patches × components).
    public var embeddingSize: Int
    /// Patches per frame: the energy head gives one energy term per patch.
    public var patchCount: Int
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var hiddenSize: Int
    /// Frames of context the model was trained with (it runs on any length up to this).
    public var context: Int
    /// Thinking steps used in training; inference defaults to the same.
    public var thinkingSteps: Int
    /// Initial value of the learned step size α.
    public var initialStepSize: Float
    /// Patches per row of the frame's grid, for the level's neighbourhood features; nil in files
    /// written before it was recorded, whose square grids `gridColumns` recovers.
    public var patchColumns: Int?
    /// Where training started thinking; inference starts there too. nil in files written before
    /// it was recorded, which all started from the last frame (see `start`).
    public var thinkingStart: ThinkingStart?

    /// Code values per patch: what each patch token carries of one frame.
    public var components: Int { embeddingSize / patchCount }

    /// The grid of the frames the model was trained on (it runs on any grid).
    public var trainingLayout: PatchLayout { PatchLayout(rows: patchCount / gridColumns, columns: gridColumns) }

    /// Pixels on the long side of the frames the model works on; each clip is read at this size
    /// with its own aspect ratio (`PatchGrid.working`). nil in files written before it existed,
    /// whose models read every clip at the codec's own (square) grid.
    public var workingLongSide: Int?

    /// Where thinking starts: the training start, else the last frame.
    public var start: ThinkingStart { thinkingStart ?? .lastFrame }

    /// Patches per row: `patchColumns`, else the side of a square grid, else one row.
    public var gridColumns: Int {
        if let patchColumns { return patchColumns }
        let side = Int(Double(patchCount).squareRoot().rounded())
        return side * side == patchCount ? side : patchCount
    }

    public init(kind: Kind = .ebt, size: Size = .small, embeddingSize: Int, patchCount: Int, context: Int = 16,
                thinkingSteps: Int = 2, initialStepSize: Float = 1, patchColumns: Int? = nil,
                thinkingStart: ThinkingStart? = nil, workingLongSide: Int? = nil) {
        let (width, layers, heads) = Self.dimensions(of: size)
        self.init(kind: kind, embeddingSize: embeddingSize, patchCount: patchCount, width: width, layers: layers,
                  heads: heads, context: context, thinkingSteps: thinkingSteps, initialStepSize: initialStepSize,
                  patchColumns: patchColumns, thinkingStart: thinkingStart, workingLongSide: workingLongSide)
    }

    /// Width, layers and attention heads of each named size.
    public static func dimensions(of size: Size) -> (width: Int, layers: Int, heads: Int) {
        switch size {
        case .tiny: return (64, 2, 2)
        case .small: return (128, 4, 4)
        case .base: return (256, 4, 4)
        }
    }

    /// The named size this config was made at, or nil for other dimensions.
    public var size: Size? {
        Size.allCases.first { Self.dimensions(of: $0) == (width, layers, heads) }
    }

    public init(kind: Kind, embeddingSize: Int, patchCount: Int, width: Int, layers: Int, heads: Int,
                hiddenSize: Int? = nil, context: Int, thinkingSteps: Int, initialStepSize: Float, patchColumns: Int? = nil,
                thinkingStart: ThinkingStart? = nil, workingLongSide: Int? = nil) {
        self.kind = kind
        self.embeddingSize = embeddingSize
        self.patchCount = patchCount
        self.width = width
        self.layers = layers
        self.heads = heads
        // SwiGLU's customary 8/3 expansion, rounded up to a multiple of 8 for the GEMMs.
        self.hiddenSize = hiddenSize ?? ((8 * width / 3 + 7) / 8 * 8)
        self.context = context
        self.thinkingSteps = thinkingSteps
        self.initialStepSize = initialStepSize
        self.patchColumns = patchColumns
        self.thinkingStart = thinkingStart
        self.workingLongSide = workingLongSide
    }

    /// Bounds on what a config may ask for, well above any model trained here: a model file's config
    /// is read before its weights, and must not make the loader allocate without limit.
    public static let maxWidth = 4096, maxLayers = 64, maxHiddenSize = 16384, maxContext = 1024, maxThinkingSteps = 64

    /// A lower bound on the weights the backbone stores (every block holds at least a width² and a
    /// width × hidden matrix), without building it: a file must hold at least this many values.
    public var minimumWeightCount: Int { layers * width * (width + hiddenSize) }

    /// Why this configuration cannot be built, or nil.
    public var problem: String? {
        if embeddingSize < 1 || patchCount < 1 || embeddingSize % patchCount != 0 {
            return "embedding size \(embeddingSize) must be a positive multiple of the patch count \(patchCount)"
        }
        if width < 1 || heads < 1 || width % heads != 0 || (width / heads) % 2 != 0 {
            return "width \(width) must split into \(heads) heads of even size"
        }
        if width > Self.maxWidth { return "width \(width) exceeds \(Self.maxWidth)" }
        if layers < 1 || hiddenSize < 1 { return "layers and hidden size must be positive" }
        if layers > Self.maxLayers || hiddenSize > Self.maxHiddenSize {
            return "\(layers) layers of hidden size \(hiddenSize) exceed \(Self.maxLayers) layers or hidden size \(Self.maxHiddenSize)"
        }
        if context < 1 || context > Self.maxContext { return "context \(context) must be between 1 and \(Self.maxContext) frames" }
        if thinkingSteps < 1 || thinkingSteps > Self.maxThinkingSteps {
            return "thinking steps \(thinkingSteps) must be between 1 and \(Self.maxThinkingSteps)"
        }
        if !(initialStepSize > 0 && initialStepSize.isFinite) { return "initial step size must be a positive number, got \(initialStepSize)" }
        if let patchColumns, patchColumns < 1 || patchCount % patchColumns != 0 {
            return "\(patchCount) patches do not fill rows of \(patchColumns)"
        }
        if let workingLongSide, workingLongSide < 8 || workingLongSide > 4096 {
            return "working size \(workingLongSide) must be between 8 and 4096 pixels"
        }
        return nil
    }
}
