/// Tensor engine against OpenBLAS sgemm (issue: tensors).
func runTensorBenchmarks() throws {}
