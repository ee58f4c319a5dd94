/// The git revision a build was made from, baked in without breaking builds that have no git.
///
/// `make` writes `GitRevision.generated.swift` (ignored by git) beside this file, declaring
/// `extension VersionInfo: BakedRevision` with the revision. A build from a tarball, or by
/// `swift build` before any `make`, has no such file, so `VersionInfo` does not conform and the
/// revision reads "unknown": there is no generated file that must exist and no committed one
/// that a build would have to overwrite.
protocol BakedRevision {
    static var bakedRevision: String { get }
}
