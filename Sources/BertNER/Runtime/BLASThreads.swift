import COpenBLAS

/// OpenBLAS' worker-thread count (process-wide). `ComputePool` sets it to 1; the benchmark harness
/// and `ner bench` set it for plain-OpenBLAS comparisons.
@_spi(Benchmarks) public enum BLASThreads {
    package static var count: Int { Int(openblas_get_num_threads()) }

    public static func set(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }
}
