import CDNNL

/// One thread's oneDNN memory objects for a matmul primitive's source, weights, destination and
/// scratchpad, re-pointed at each call's buffers: creating them per call allocated inside oneDNN
/// every time. The dense layers (`DenseProduct`) and attention (`HeadProducts`) share it.
final class MatmulArguments {
    private var memories: [dnnl_memory_t?] = [nil, nil, nil, nil]
    private let list: UnsafeMutablePointer<dnnl_exec_arg_t>
    private let count: Int32
    private let scratchpad: UnsafeMutableRawPointer

    /// Descriptors of the source, weights and destination as every call will pass them, and the
    /// primitive's scratchpad (a user scratchpad, so threads can run one primitive concurrently).
    init(source: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, destination: dnnl_memory_desc_t,
         scratchpad pad: dnnl_memory_desc_t, scratchpadBytes: Int) {
        let engine: dnnl_engine_t
        do { engine = try OneDNN.engine() } catch { preconditionFailure("\(error)") }  // made the primitive already
        scratchpad = .allocate(byteCount: max(64, scratchpadBytes), alignment: 64)
        var descriptors = [source, weights, destination, pad]
        let kinds = [DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD]
        count = scratchpadBytes > 0 ? 4 : 3
        list = .allocate(capacity: 4)
        for k in 0..<Int(count) {
            // A null handle for now (DNNL_MEMORY_NONE): every call sets its own.
            let status = dnnl_memory_create(&memories[k], &descriptors[k], engine, k == 3 ? scratchpad : nil)
            precondition(status == dnnl_success, "oneDNN could not create a memory object (status \(status.rawValue))")
            list[k] = dnnl_exec_arg_t(arg: kinds[k], memory: memories[k])
        }
    }

    deinit {
        for memory in memories where memory != nil { dnnl_memory_destroy(memory) }
        list.deallocate()
        scratchpad.deallocate()
    }

    /// `destination = source · weights` on `stream`, on the calling thread alone.
    func execute(_ primitive: dnnl_primitive_t, source: UnsafeRawPointer, weights: UnsafeRawPointer,
                 destination: UnsafeMutableRawPointer, stream: dnnl_stream_t) {
        dnnl_memory_set_data_handle(memories[0], UnsafeMutableRawPointer(mutating: source))
        dnnl_memory_set_data_handle(memories[1], UnsafeMutableRawPointer(mutating: weights))
        dnnl_memory_set_data_handle(memories[2], destination)
        OneDNN.useOneThread()
        let status = dnnl_primitive_execute(primitive, stream, count, list)
        precondition(status == dnnl_success, "oneDNN matmul failed with status \(status.rawValue)")
    }
}
