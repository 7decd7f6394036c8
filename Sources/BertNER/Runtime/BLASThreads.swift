import COpenBLAS

/// OpenBLAS' worker-thread count (process-wide). `ComputePool` sets it to 1.
@_spi(Engine) public enum BLASThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }

    public static func set(_ threads: Int) {
        openblas_set_num_threads(Int32(max(1, threads)))
    }
}
