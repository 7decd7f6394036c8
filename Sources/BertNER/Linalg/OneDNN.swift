import CDNNL

/// The process's oneDNN CPU engine and the checks around its C API: the int8 and bf16 products
/// (`PackedWeight`) run on it.
enum OneDNN {
    /// A oneDNN call that did not return `dnnl_success`.
    struct Failure: Error, CustomStringConvertible {
        let call: String
        let status: dnnl_status_t

        var description: String {
            let reason = switch status {
            case dnnl_out_of_memory: "out of memory"
            case dnnl_invalid_arguments: "invalid arguments"
            case dnnl_unimplemented: "no implementation for this CPU"
            case dnnl_runtime_error: "runtime error"
            default: "status \(status.rawValue)"
            }
            return "oneDNN \(call) failed: \(reason)"
        }
    }

    static func check(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws(Failure) {
        guard status == dnnl_success else { throw Failure(call: call(), status: status) }
    }

    private struct Engine: @unchecked Sendable { let handle: dnnl_engine_t? }

    /// Created on first use and kept for the life of the process (engines are thread-safe).
    private static let shared: Engine = {
        var engine: dnnl_engine_t?
        return Engine(handle: dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success ? engine : nil)
    }()

    static func engine() throws(Failure) -> dnnl_engine_t {
        guard let handle = shared.handle else { throw Failure(call: "dnnl_engine_create", status: dnnl_runtime_error) }
        return handle
    }

    /// "oneDNN 2.6.3".
    static var version: String {
        guard let v = dnnl_version() else { return "oneDNN (unknown version)" }
        return "oneDNN \(v.pointee.major).\(v.pointee.minor).\(v.pointee.patch)"
    }

    /// The widest instruction set oneDNN dispatches to here (after `ONEDNN_MAX_CPU_ISA`).
    static var instructionSet: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_avx512_core_amx: "avx512_core_amx"
        case dnnl_cpu_isa_avx512_core_bf16: "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_vnni: "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core: "avx512_core"
        case dnnl_cpu_isa_avx2_vnni: "avx2_vnni"
        case dnnl_cpu_isa_avx2: "avx2"
        case dnnl_cpu_isa_avx: "avx"
        case dnnl_cpu_isa_sse41: "sse41"
        case let other: "isa 0x\(String(other.rawValue, radix: 16))"
        }
    }

    /// oneDNN parallelises a primitive over the calling thread's OpenMP team; BertNER splits the
    /// work over its own threads instead, so every caller asks for a team of one.
    @inline(__always)
    static func useOneThread() { omp_set_num_threads(1) }
}
