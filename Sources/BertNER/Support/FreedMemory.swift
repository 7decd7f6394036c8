#if canImport(Glibc)
import Glibc
#endif

/// Hands the pages of freed heap memory back to the system. glibc keeps freed blocks for reuse
/// (and, once large blocks have been freed, serves later large ones from its heap rather than from
/// fresh mappings), so the precisions `PrecisionChoice.auto` loaded and dropped would otherwise stay
/// in the process's resident memory: on the default model ~80 MB, more than the model it keeps.
enum FreedMemory {
    static func release() {
        #if canImport(Glibc)
        // malloc_trim is glibc's, declared in <malloc.h>, which the Glibc module does not export;
        // looked up by name (RTLD_DEFAULT is the null handle), and skipped on a C library without it.
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(nil, "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }
}
