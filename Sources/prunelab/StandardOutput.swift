import Foundation

/// Line-buffered stdout, so `docker logs` and a redirected log show each line as it happens.
/// Called from `main` before any other thread runs, the one moment touching C's global `stdout`
/// is free of races.
func setLineBufferedStandardOutput() {
    nonisolated(unsafe) let output = stdout
    setvbuf(output, nil, _IOLBF, 0)
}
