/// Video decoding against the ffmpeg CLI (issue: video I/O).
func runDecodeBenchmarks() throws {}
