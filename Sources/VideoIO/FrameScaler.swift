import CFFmpeg

/// Converts pictures between pixel formats and sizes with libswscale, keeping one `SwsContext`
/// alive for as long as the geometry stays the same: building a context costs far more than
/// scaling a small frame, so rebuilding per frame would dominate decode time.
final class FrameScaler {
    /// The geometry a context was built for; a change of any field needs a new context.
    private struct Geometry: Equatable {
        var sourceWidth: Int32, sourceHeight: Int32, sourceFormat: Int32
        var targetWidth: Int32, targetHeight: Int32, targetFormat: Int32
        var colorspace: Int32, fullRange: Bool
    }

    private var context: OpaquePointer?
    private var geometry: Geometry?
    private let flags: Int32

    /// `flags` picks the filter: `SWS_AREA` averages every source pixel a target pixel covers,
    /// which is what downscaling for a model wants (no aliasing, cheaper than bicubic).
    init(flags: Int32) {
        self.flags = flags
    }

    deinit { sws_freeContext(context) }

    /// Scales a decoded frame (any pixel format, already cropped) to packed RGB24 at the target size.
    func scale(_ frame: UnsafeMutablePointer<AVFrame>, toRGB target: UnsafeMutablePointer<UInt8>,
               width: Int, height: Int) throws {
        let source = frame.pointee
        let wanted = Geometry(sourceWidth: source.width, sourceHeight: source.height, sourceFormat: source.format,
                              targetWidth: Int32(width), targetHeight: Int32(height),
                              targetFormat: AV_PIX_FMT_RGB24.rawValue,
                              colorspace: Int32(bitPattern: source.colorspace.rawValue),
                              fullRange: source.color_range == AVCOL_RANGE_JPEG)
        let context = try prepare(wanted)
        let rows = Self.withPlanes(of: frame) { sourcePlanes, sourceStrides in
            Self.withPackedPlane(target, stride: width * 3) { targetPlanes, targetStrides in
                Self.run(context, sourcePlanes, sourceStrides, rows: source.height, targetPlanes, targetStrides)
            }
        }
        if rows <= 0 { throw VideoIOError.invalidOption("swscale failed converting a \(source.width)x\(source.height) frame") }
    }

    /// Converts packed RGB24 of the frame's size into the frame's own pixel format (for encoding).
    func convert(rgb source: UnsafePointer<UInt8>, into frame: UnsafeMutablePointer<AVFrame>) throws {
        let target = frame.pointee
        let wanted = Geometry(sourceWidth: target.width, sourceHeight: target.height,
                              sourceFormat: AV_PIX_FMT_RGB24.rawValue,
                              targetWidth: target.width, targetHeight: target.height, targetFormat: target.format,
                              colorspace: Int32(bitPattern: AVCOL_SPC_UNSPECIFIED.rawValue), fullRange: false)
        let context = try prepare(wanted)
        // swscale never writes to its source; the mutable pointer only satisfies the shared helper.
        let rows = Self.withPackedPlane(UnsafeMutablePointer(mutating: source), stride: Int(target.width) * 3) { sourcePlanes, sourceStrides in
            Self.withPlanes(of: frame) { targetPlanes, targetStrides in
                Self.run(context, sourcePlanes, sourceStrides, rows: target.height, targetPlanes, targetStrides)
            }
        }
        if rows <= 0 { throw VideoIOError.invalidOption("swscale failed converting a \(target.width)x\(target.height) frame") }
    }

    private typealias Planes = UnsafePointer<UnsafeMutablePointer<UInt8>?>

    /// An AVFrame's plane pointers and strides, as the C arrays swscale takes (no allocation).
    private static func withPlanes<Result>(of frame: UnsafeMutablePointer<AVFrame>,
                                           _ body: (Planes, UnsafePointer<Int32>) -> Result) -> Result {
        withUnsafePointer(to: &frame.pointee.data) { data in
            withUnsafePointer(to: &frame.pointee.linesize) { linesize in
                body(UnsafeRawPointer(data).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
                     UnsafeRawPointer(linesize).assumingMemoryBound(to: Int32.self))
            }
        }
    }

    /// One packed plane (RGB24) in the same C-array form.
    private static func withPackedPlane<Result>(_ base: UnsafeMutablePointer<UInt8>, stride: Int,
                                                _ body: (Planes, UnsafePointer<Int32>) -> Result) -> Result {
        var planes: (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?,
                     UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?) = (base, nil, nil, nil)
        var strides: (Int32, Int32, Int32, Int32) = (Int32(stride), 0, 0, 0)
        return withUnsafePointer(to: &planes) { planes in
            withUnsafePointer(to: &strides) { strides in
                body(UnsafeRawPointer(planes).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self),
                     UnsafeRawPointer(strides).assumingMemoryBound(to: Int32.self))
            }
        }
    }

    private static func run(_ context: OpaquePointer, _ sourcePlanes: Planes, _ sourceStrides: UnsafePointer<Int32>,
                            rows: Int32, _ targetPlanes: Planes, _ targetStrides: UnsafePointer<Int32>) -> Int32 {
        sws_scale(context, UnsafeRawPointer(sourcePlanes).assumingMemoryBound(to: UnsafePointer<UInt8>?.self),
                  sourceStrides, 0, rows, targetPlanes, targetStrides)
    }

    private func prepare(_ wanted: Geometry) throws -> OpaquePointer {
        if let context, geometry == wanted { return context }
        sws_freeContext(context)
        context = sws_getContext(wanted.sourceWidth, wanted.sourceHeight, AVPixelFormat(rawValue: wanted.sourceFormat),
                                 wanted.targetWidth, wanted.targetHeight, AVPixelFormat(rawValue: wanted.targetFormat),
                                 flags, nil, nil, nil)
        guard let context else {
            geometry = nil
            throw VideoIOError.invalidOption("swscale cannot convert \(wanted.sourceWidth)x\(wanted.sourceHeight) "
                                             + "to \(wanted.targetWidth)x\(wanted.targetHeight)")
        }
        geometry = wanted
        applyColorspace(wanted, to: context)
        return context
    }

    /// HD video is BT.709 and some streams are full range; swscale assumes BT.601 limited range
    /// unless told, which would shift colours, so the source's own tags are passed on.
    private func applyColorspace(_ geometry: Geometry, to context: OpaquePointer) {
        let table: Int32
        switch AVColorSpace(rawValue: UInt32(bitPattern: geometry.colorspace)) {
        case AVCOL_SPC_BT709: table = SWS_CS_ITU709
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: table = SWS_CS_BT2020
        default:
            if !geometry.fullRange { return }
            table = SWS_CS_DEFAULT
        }
        var inverseTable: UnsafeMutablePointer<Int32>?
        var sourceRange: Int32 = 0
        var forwardTable: UnsafeMutablePointer<Int32>?
        var targetRange: Int32 = 0
        var brightness: Int32 = 0, contrast: Int32 = 0, saturation: Int32 = 0
        guard sws_getColorspaceDetails(context, &inverseTable, &sourceRange, &forwardTable, &targetRange,
                                       &brightness, &contrast, &saturation) >= 0 else { return }
        _ = sws_setColorspaceDetails(context, sws_getCoefficients(table), geometry.fullRange ? 1 : sourceRange,
                                     forwardTable, targetRange, brightness, contrast, saturation)
    }
}
