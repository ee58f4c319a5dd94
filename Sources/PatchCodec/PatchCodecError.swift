/// Why a codec could not be built, fitted or used; each case reads as one line for the user.
public enum PatchCodecError: Error, CustomStringConvertible, Equatable {
    case invalidGeometry(String)
    case invalidComponents(String)
    case notEnoughPatches(have: Int, need: Int)
    case eigenSolverFailed(info: Int32)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .invalidGeometry(let why): return "invalid patch geometry: \(why)"
        case .invalidComponents(let why): return "invalid component count: \(why)"
        case .notEnoughPatches(let have, let need): return "not enough training patches to fit the codec: have \(have), need at least \(need)"
        case .eigenSolverFailed(let info): return "LAPACK ssyevd failed (info \(info))"
        case .shapeMismatch(let why): return "codec data has the wrong shape: \(why)"
        }
    }
}
