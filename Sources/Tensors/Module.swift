import COpenBLAS
/// Module Tensors: see ../shared/DESIGN.md for what it owns.
public func blasThreads() -> Int32 { openblas_get_num_threads() }
