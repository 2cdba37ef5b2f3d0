import CProcess

/// Line-buffered stdout, so `docker logs` and a redirected log show each line as it happens.
func setLineBufferedStandardOutput() {
    prunelab_line_buffer_stdout()
}
