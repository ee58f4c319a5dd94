import CFFmpeg
/// Module VideoIO: see ../shared/DESIGN.md for what it owns.
public let libavformatVersion = avformat_version()
